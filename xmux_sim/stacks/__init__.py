"""Packaged stack files; ``xmux.yaml`` is the embedded default."""
