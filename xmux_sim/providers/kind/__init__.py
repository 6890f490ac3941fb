"""The kind provider: a real Kubernetes cluster (kind v0.33, Kubernetes v1.37, kube-router
as the CNI) whose nodes are the stack's nodes. It runs the cluster and its network; running
the stack's services on it is the next step."""

from __future__ import annotations

from xmux_sim.providers.base import Progress, Provider


def make_provider(progress: Progress | None = None) -> Provider:
    # Imported here: choosing a provider by name must not load every engine's SDK.
    from xmux_sim.providers.kind.provider import KindProvider

    return KindProvider(progress=progress)


def fault_kinds() -> frozenset[str]:
    from xmux_sim.providers.kind.faults import KIND_FAULTS

    return frozenset(KIND_FAULTS.names())


def refused_fault_kinds() -> dict[str, str]:
    """Fault kinds this provider refuses for now, and why (the extension test reads it)."""
    from xmux_sim.faults.kind import FAULT_KINDS

    node_level = {"bandwidth": "tc on a node's link", "loss": "iptables statistic on a node's traffic"}
    return {
        name: (
            f"not carried over to kind nodes yet ({node_level[name]})"
            if name in node_level
            else "aims at pods or services, which a kind run does not run yet"
        )
        for name in FAULT_KINDS.names()
        if name not in fault_kinds()
    }
