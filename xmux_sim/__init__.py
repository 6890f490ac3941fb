"""xmux-sim: the XMUX cluster on one machine, broken on purpose, measured."""

__version__ = "0.1.0"
