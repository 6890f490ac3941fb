"""Faults of one pod: its app killed, stopped, frozen, started again, its power cut, or its disk lost."""

from __future__ import annotations

import re

from xmux_sim.faults.kind import FaultKind
from xmux_sim.faults.role import POD_TARGET, POD_TARGETS
from xmux_sim.params import SEED, Param, ParamType, choice, float_at_least, shown

_POD = (
    Param("pod", POD_TARGET, "the pod, as SERVICE-REPLICA (postgres-0) or a role"),
    Param("pods", POD_TARGETS, "several pods (or roles), hit together (within milliseconds)"),
)


def _pod_fault(name: str, help: str, instant: bool = False, extra: tuple[Param, ...] = ()) -> FaultKind:
    return FaultKind(
        name,
        help,
        (*_POD, *extra),
        one_of=("pod", "pods"),
        instant=instant,
        holds=None if instant else "pod",
        each=(("pods", "pod"),),
    )


KILL = _pod_fault("kill", "SIGKILL the pod's app; heal restarts it")
STOP = _pod_fault("stop", "stop the pod's app gracefully; heal starts it")
START = _pod_fault("start", "start a stopped pod's app (heal does nothing)", instant=True)
PAUSE = _pod_fault("pause", "freeze the pod's app (SIGSTOP-like); heal unpauses")
UNPAUSE = _pod_fault("unpause", "unfreeze a paused pod's app (heal does nothing)", instant=True)
WIPE_VOLUME = _pod_fault(
    "wipe-volume",
    "replace the pod's data with an empty volume; the pod restarts on it at once, or at the heal "
    "(away for the fault's duration, as while a lost volume is replaced)",
    extra=(
        Param(
            "restart",
            choice("at-once", "at-heal"),
            "at-once | at-heal: when the pod starts on the empty volume",
            default="at-once",
        ),
    ),
)


def _volume_path(value: object) -> str:
    """A file in the pod's data volume, relative to it; nothing outside it can be named."""
    if not isinstance(value, str) or not value or len(value) > 255:
        raise ValueError(f"expected a relative path of 1 to 255 characters, got {shown(value)}")
    parts = value.split("/")
    if value.startswith("/") or any(p in ("", ".", "..") for p in parts) or not _PATH_CHARS.fullmatch(value):
        raise ValueError(
            "expected a path inside the data volume (letters, digits, '._-' and '/', no '..' or "
            f"empty parts), got {shown(value)}"
        )
    return value


_PATH_CHARS = re.compile(r"[A-Za-z0-9._/-]+")
VOLUME_PATH = ParamType("a path inside the data volume", _volume_path)

# A power cut on a lazy volume (durability: lazy) loses what the program did not fsync; on a
# plain volume the host's page cache outlives it, so there it is a kill.
POWER_OFF = _pod_fault(
    "power-off",
    "cut the pod's power: its app and its lazy volume's FUSE layer die at once, unsynced writes "
    "are lost (a plain volume keeps them: the host's page cache); heal restarts it",
)
LOSE_UNSYNCED = _pod_fault(
    "lose-unsynced",
    "a power cut that loses only part of what was not synced: one file's unsynced writes (path) "
    "or a seeded fraction of the unsynced pages (a torn write), the rest written first; needs "
    "durability: lazy; heal restarts the pod",
    extra=(
        Param("path", VOLUME_PATH, "only this file's unsynced writes are lost (relative to the data volume)"),
        Param("fraction", float_at_least(0.0, 1.0), "the share of unsynced pages lost", default=1.0),
        Param("seed", SEED, "which pages are lost (a seeded choice)", default=1),
    ),
)
