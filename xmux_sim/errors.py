"""Errors a user can act on.

Each carries a message that says what is wrong and what to do about it, so the CLI can
print it as is and exit with the code the contract asks for (2: the run could not be
carried out).
"""

from __future__ import annotations


class XmuxSimError(Exception):
    """Base of every error that is the user's environment or input, not a bug."""

    exit_code = 2


class InputError(XmuxSimError):
    """A file or command-line value that does not validate: ``file:line: field: what is wrong``.

    Raised before anything starts; every reader of user input raises a subclass of it.
    """


class StackFileError(InputError):
    """A stack file that does not validate (or cannot be read); names file, line and field."""


class DockerUnavailable(XmuxSimError):
    """No Docker engine answers."""


class ImageMissing(XmuxSimError):
    """An image the stack needs has not been built."""


class PortInUse(XmuxSimError):
    """A host port the stack file asks for is taken."""


class StartupFailed(XmuxSimError):
    """A service did not become healthy; the stack was torn down again."""


class BuildFailed(XmuxSimError):
    """An image build or a Go program build failed."""


class ScenarioFileError(InputError):
    """A scenario file that does not validate, or does not fit its stack; names file, line and field."""


class UsageError(InputError):
    """A command-line value that does not validate; names the option."""


class Unsupported(XmuxSimError):
    """The stack asks for something this machine cannot provide (e.g. a replica set of a stand-in)."""
