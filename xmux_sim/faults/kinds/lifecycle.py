"""Faults of one pod: its app killed, stopped, frozen, started again, or its disk lost."""

from __future__ import annotations

from xmux_sim.faults.kind import FaultKind
from xmux_sim.faults.role import POD_TARGET
from xmux_sim.params import Param

_POD = (Param("pod", POD_TARGET, "the pod, as SERVICE-REPLICA (postgres-0) or a role", required=True),)

KILL = FaultKind("kill", "SIGKILL the pod's app; heal restarts it", _POD, holds="pod")
STOP = FaultKind("stop", "stop the pod's app gracefully; heal starts it", _POD, holds="pod")
START = FaultKind("start", "start a stopped pod's app (heal does nothing)", _POD, instant=True)
PAUSE = FaultKind("pause", "freeze the pod's app (SIGSTOP-like); heal unpauses", _POD, holds="pod")
UNPAUSE = FaultKind("unpause", "unfreeze a paused pod's app (heal does nothing)", _POD, instant=True)
WIPE_VOLUME = FaultKind(
    "wipe-volume", "replace the pod's data with an empty volume; the pod restarts", _POD, holds="pod"
)
