"""Labels on every resource of a run: the reaper, `down` and `status` find things by them."""

from __future__ import annotations

RUN = "xmux-sim.run"
STACK = "xmux-sim.stack"
ROLE = "xmux-sim.role"  # holder | app | router | fault (ledger marker) | fault-proxy | fault-tool
SERVICE = "xmux-sim.service"
KIND = "xmux-sim.kind"
REPLICA = "xmux-sim.replica"
NODE = "xmux-sim.node"
POD_IP = "xmux-sim.pod-ip"
SUPERNET = "xmux-sim.supernet"  # on routers: which routes count as pod routes
PORTS = "xmux-sim.ports"  # JSON: port name -> container port
CREDENTIALS = "xmux-sim.credentials"  # JSON, on the holder; env of the app holds the same secrets
IMAGE = "xmux-sim.image"
FLAVOUR = "xmux-sim.flavour"
STARTED = "xmux-sim.started"  # wall-clock time the run started
KEEP = "xmux-sim.keep"
UNDERLAY_IP = "xmux-sim.underlay-ip"  # on routers: their fixed address on the underlay
# On a fault's ledger marker (a created, never started container): what to heal.
FAULT = "xmux-sim.fault"  # the fault id
FAULT_SPEC = "xmux-sim.fault-spec"  # JSON FaultSpec
FAULT_STATE = "xmux-sim.fault-state"  # JSON: what heal must undo
FAULT_INJECTED = "xmux-sim.fault-injected"  # wall-clock ISO time
PROVIDER = "xmux-sim.provider"  # "kind" on a kind run's containers and network (docker runs: unset)
POD_CIDR = "xmux-sim.pod-cidr"  # on a kind node: the pod CIDR the provider gives it
REAPER = "xmux-sim.reaper"  # on the reaper container only: the run it watches


def for_run(run_id: str, stack: str, **extra: str) -> dict[str, str]:
    return {RUN: run_id, STACK: stack, **extra}
