"""Faults of one pod: its app killed, stopped, frozen, started again, or its disk lost."""

from __future__ import annotations

from xmux_sim.faults.kind import FaultKind
from xmux_sim.faults.role import POD_TARGET, POD_TARGETS
from xmux_sim.params import Param, choice

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
