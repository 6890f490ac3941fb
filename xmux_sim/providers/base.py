"""The seam between xmux-sim and what realises a stack: the Provider and Run protocols.

A provider (``docker``: containers on one engine; ``kind``: a real Kubernetes cluster)
brings a :class:`~xmux_sim.topology.model.Stack` up and hands back a :class:`Run`.
Everything above this module (the experiment runner, the fault player, load tests, the
smoke check, the Python API, the CLI and the pytest plugin) talks to a run only through
these protocols, so a second provider needs no change there.

What a run offers, and what a provider must mean by it:

- endpoints: how the host reaches each pod (127.0.0.1 and published ports, per-run
  credentials); ``relay`` gives a host client an endpoint that enters the cluster on a
  given node, so node faults reach it;
- ``exec``: a command in a pod's app container;
- ``faults``: inject, list and heal faults by :class:`~xmux_sim.faults.spec.FaultSpec`;
  a provider implements every kind in :data:`~xmux_sim.faults.kind.FAULT_KINDS`, and
  its ledger lets any process heal what another injected;
- the fabric: per node, the pod CIDRs its router has learned (route watching) and its
  BGP sessions; ``status`` reports them under ``nodes``;
- ``cpu_usage``: CPU seconds of the stack's processes (load tests compare it with the
  load generator's);
- ``environment``: a pod's app environment (what a service was started with).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol, TypedDict

from xmux_sim.faults.base import ActiveFault, Fault
from xmux_sim.faults.spec import FaultSpec
from xmux_sim.images.catalogue import ImageState
from xmux_sim.services.base import Endpoint
from xmux_sim.timeline import Timeline
from xmux_sim.topology.model import Stack

__all__ = [
    "HasFaults",
    "Images",
    "NodeStatus",
    "PodStatus",
    "Progress",
    "Provider",
    "ProviderFactory",
    "RouterStatus",
    "Run",
    "RunFaults",
    "RunStatus",
]

Progress = Callable[[str], None]
"""Where a provider reports one line per step of long work."""


class RouterStatus(TypedDict):
    name: str
    state: str
    """running, paused, exited, ..."""
    sessions: dict[str, str]
    """Peer node -> BGP state ("established", "active", ...)."""
    routes: list[str]
    """Pod CIDRs learned from peers."""


class PodStatus(TypedDict):
    name: str
    ip: str | None
    state: str
    """healthy, starting, unhealthy or stopped."""


class NodeStatus(TypedDict):
    cidr: str | None
    router: RouterStatus | None
    """None: a one-node stack, which needs no router."""
    pods: list[PodStatus]


class RunStatus(TypedDict):
    """`xmux-sim status --json`."""

    run: str
    stack: str
    services: dict[str, dict[str, Any]]
    """Service -> state, kind, image, flavour, replicas [{replica, node, pod_ip, state}], and
    what its kind describes (url, grpc, ...)."""
    nodes: dict[str, NodeStatus]
    faults: list[dict[str, Any]]
    """`ActiveFault.to_dict()` of each fault in the ledger."""


class RunFaults(Protocol):
    """The faults of one run; injected faults are recorded on ``timeline`` when one was given."""

    timeline: Timeline | None

    def make(self, spec: FaultSpec) -> Fault:
        """A fault checked against the live run, not injected yet."""
        ...

    def inject(self, spec: FaultSpec) -> Fault: ...

    def active(self) -> list[ActiveFault]:
        """Every fault in the run's ledger, oldest first (also those another process injected)."""
        ...

    def heal(self, fault_id: str) -> ActiveFault: ...

    def heal_all(self) -> list[ActiveFault]:
        """Heal every fault in the ledger, newest first; FaultError lists those that failed."""
        ...


class HasFaults(Protocol):
    """What a fault player needs of a run."""

    def faults(self, timeline: Timeline | None = None) -> RunFaults: ...


class Run(HasFaults, Protocol):
    """A stack that is up (started by this process, or attached to)."""

    stack: Stack | None
    """The stack this process brought up; None on an attached run."""

    @property
    def run_id(self) -> str: ...

    @property
    def stack_name(self) -> str: ...

    @property
    def endpoints(self) -> Mapping[str, Sequence[Endpoint]]:
        """Service -> one endpoint per replica, in replica order."""
        ...

    def endpoint(self, service: str, replica: int = 0) -> Endpoint: ...

    def exec(self, service: str, cmd: Sequence[str], replica: int = 0) -> tuple[int, str]:
        """Run a command in the pod's app container: (exit code, output)."""
        ...

    def relay(self, service: str, node: str, replica: int = 0, timeout_s: float = 5.0) -> Endpoint:
        """The service's endpoint as seen by a client on ``node`` (removed by `remove_relays`)."""
        ...

    def remove_relays(self) -> None: ...

    def status(self) -> RunStatus: ...

    def learned_routes(self, node: str) -> frozenset[str]:
        """Pod CIDRs the node's router has learned from its peers; raises when it cannot be read."""
        ...

    def bgp_sessions(self, node: str) -> dict[str, str]:
        """Peer node -> BGP session state of the node's router (empty when it cannot be read)."""
        ...

    def cpu_usage(self) -> dict[str, float]:
        """CPU seconds used so far by each of the stack's processes (containers), by a stable id."""
        ...

    def environment(self, service: str, replica: int = 0) -> dict[str, str]:
        """The environment the pod's app was started with."""
        ...

    def keep(self) -> None:
        """Leave the run up after this process exits."""
        ...

    def down(self) -> None:
        """Remove everything of the run."""
        ...

    def __enter__(self) -> Run: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class Images(Protocol):
    """The images of :mod:`xmux_sim.images` where the provider runs them."""

    def build(self, names: Sequence[str] | None = None, rebuild: bool = False) -> list[str]:
        """Build what is missing of ``names`` (None: all) and their parents; return what was built."""
        ...

    def states(self) -> list[ImageState]: ...

    def run_tool(self, name: str, argv: Sequence[str], files: Mapping[str, bytes]) -> tuple[int, str]:
        """Run ``argv`` in image ``name`` with ``files`` (path -> content) in place: (exit code, output)."""
        ...

    def tag(self, name: str) -> str:
        """The content tag image ``name`` builds to (a hash of its folder and its parents')."""
        ...


class Provider(Protocol):
    """Brings stacks up, finds the runs on its engine or cluster, takes them down."""

    @property
    def name(self) -> str: ...

    @property
    def images(self) -> Images: ...

    def up(self, stack: Stack, keep: bool = False, run_id: str | None = None) -> Run:
        """A healthy run, or nothing left behind (also when interrupted)."""
        ...

    def attach(self, run_id: str | None = None) -> Run:
        """A run started by another process; None: the only one that is up."""
        ...

    def runs(self) -> list[str]: ...

    def resolve_run(self, run_id: str | None) -> str:
        """The run meant by ``run_id`` (None: the only one); XmuxSimError says which exist."""
        ...

    def status(self, run_id: str | None = None) -> RunStatus: ...

    def down(self, run_id: str) -> dict[str, int]:
        """Remove a run; idempotent. Counts what was removed, by resource kind."""
        ...

    def down_all(self) -> list[str]: ...


ProviderFactory = Callable[[Progress | None], Provider]
"""What a provider package exports as ``make_provider`` (see :func:`xmux_sim.providers.open_provider`)."""
