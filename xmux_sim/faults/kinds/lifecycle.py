"""Faults of one pod: its app killed, stopped, frozen, started again, or its disk lost."""

from __future__ import annotations

from xmux_sim.faults.kind import FaultKind
from xmux_sim.params import POD, Param, choice

_POD = (Param("pod", POD, "the pod, as SERVICE-REPLICA (postgres-0)", required=True),)

KILL = FaultKind("kill", "SIGKILL the pod's app; heal restarts it", _POD, holds="pod")
STOP = FaultKind("stop", "stop the pod's app gracefully; heal starts it", _POD, holds="pod")
START = FaultKind("start", "start a stopped pod's app (heal does nothing)", _POD, instant=True)
PAUSE = FaultKind("pause", "freeze the pod's app (SIGSTOP-like); heal unpauses", _POD, holds="pod")
UNPAUSE = FaultKind("unpause", "unfreeze a paused pod's app (heal does nothing)", _POD, instant=True)
WIPE_VOLUME = FaultKind(
    "wipe-volume",
    "replace the pod's data with an empty volume; the pod restarts on it at once, or at the heal "
    "(away for the fault's duration, as while a lost volume is replaced)",
    (
        *_POD,
        Param(
            "restart",
            choice("at-once", "at-heal"),
            "at-once | at-heal: when the pod starts on the empty volume",
            default="at-once",
        ),
    ),
    holds="pod",
)
