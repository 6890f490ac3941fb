"""Rebuild time: how long a replica that lost its disk takes to be back in sync.

The evidence is a steady-state probe that passes only while every replica is in sync
(the ``replication`` probe: PostgreSQL standbys streaming and caught up, JetStream
followers current, MinIO drives online and healed). After each replica loss the
replica is rebuilt when the probe, having seen it out of sync, passes ``streak``
rounds in a row; the rebuild time runs from the loss to the first of those rounds.

A probe that never saw the replica out of sync (a rebuild faster than one probe
round) counts the first passing round and says so in the evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

from xmux_sim.checkers.kind import Arg, CheckerKind, RunEvidence
from xmux_sim.checkers.verdict import EVIDENCE_LIMIT, UNKNOWN, Figure, Validity, Verdict
from xmux_sim.timeline import FaultWindow, ProbeResult

__all__ = ["REBUILD_TIME", "Rebuild", "rebuild_time", "rebuilds"]


@dataclass(frozen=True, slots=True)
class Rebuild:
    name: str
    lost_t: float
    out_of_sync_t: float | None
    """First failing round after the loss; None: never seen out of sync."""
    rebuilt_t: float | None
    rebuild_s: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rebuilds(
    samples: Iterable[ProbeResult],
    fault_windows: Iterable[FaultWindow | tuple[str, float, float | None]],
    *,
    probe: str,
    streak: int = 1,
    pod: str | None = None,
) -> list[Rebuild]:
    """One rebuild per replica loss (of ``pod``, when given), each looked for until the next loss."""
    if streak < 1:
        raise ValueError(f"streak must be >= 1, got {streak}")
    rounds = sorted((s for s in samples if s.probe == probe), key=lambda s: s.t)
    losses = sorted(
        (f for f in map(FaultWindow._make, fault_windows) if pod is None or _names_pod(f.name, pod)),
        key=lambda f: f.inject_t,
    )
    found = []
    for i, loss in enumerate(losses):
        until = losses[i + 1].inject_t if i + 1 < len(losses) else float("inf")
        found.append(_rebuild(loss, [s for s in rounds if loss.inject_t <= s.t < until], streak))
    return found


def _names_pod(fault: str, pod: str) -> bool:
    # "pod=postgres-1", or a role's pick: "pod=leader-of(nats, stream=S) -> nats-2".
    words = fault.split()
    return f"pod={pod}" in words or any(a == "->" and b == pod for a, b in pairwise(words))


def _rebuild(loss: FaultWindow, rounds: Sequence[ProbeResult], streak: int) -> Rebuild:
    out = next((s.t for s in rounds if not s.ok), None)
    start = out if out is not None else loss.inject_t
    run = 0
    for i, s in enumerate(rounds):
        if s.t < start:
            continue
        run = run + 1 if s.ok else 0
        if run == streak:
            back = rounds[i - streak + 1].t
            return Rebuild(loss.name, loss.inject_t, out, back, back - loss.inject_t)
    return Rebuild(loss.name, loss.inject_t, out, None, None)


def rebuild_time(
    samples: Iterable[ProbeResult],
    fault_windows: Iterable[FaultWindow | tuple[str, float, float | None]],
    *,
    probe: str,
    limit_s: float,
    streak: int = 1,
    pod: str | None = None,
    name: str = "rebuild_time",
) -> Verdict:
    """Valid when every lost replica (of ``pod``, when given) was back in sync within ``limit_s``."""
    results = rebuilds(samples, fault_windows, probe=probe, streak=streak, pod=pod)
    done = [r.rebuild_s for r in results if r.rebuild_s is not None]
    never = [r for r in results if r.rebuilt_t is None]
    slow = [r for r in results if r.rebuild_s is not None and r.rebuild_s > limit_s]
    figures: dict[str, Figure] = {
        "losses": len(results),
        "rebuilt": len(done),
        "not_rebuilt": len(never),
        "max_rebuild_s": round(max(done), 2) if done else None,
        "limit_s": limit_s,
    }
    evidence: dict[str, Any] = {"rebuilds": [r.to_dict() for r in results[:EVIDENCE_LIMIT]]}
    problems = [f"{r.name}: probe {probe} never passed again after the loss" for r in never] + [
        f"{r.name}: rebuilt after {r.rebuild_s:.1f} s > {limit_s:g} s" for r in slow
    ]
    valid: Validity
    if problems:
        valid, message = False, "; ".join(problems)
    elif not results:
        valid, message = UNKNOWN, "no replica was lost (no wipe-volume fault): nothing rebuilt"
    else:
        valid = True
        unseen = sum(1 for r in results if r.out_of_sync_t is None)
        note = f"; {unseen} never seen out of sync by {probe}" if unseen else ""
        message = f"{len(done)} replica(s) rebuilt, slowest in {max(done):.1f} s (limit {limit_s:g} s){note}"
    return Verdict(name=name, valid=valid, figures=figures, evidence=evidence, message=message)


def _per_lost_disk(run: RunEvidence, name: str, kwargs: Mapping[str, Any]) -> Verdict:
    # Only a lost disk makes a replica rebuild; the probe rounds show when it is back in sync.
    losses = [e.window() for e in run.faults if e.kind == "wipe-volume"]
    return rebuild_time(run.probes, losses, name=name, **kwargs)


REBUILD_TIME = CheckerKind(
    "rebuild-time",
    rebuild_time,
    "after each wipe-volume fault, the replica is back in sync (a replication probe passes "
    "again, streak rounds in a row) within limit_s of the loss",
    evidence=("faults", "probes"),
    args={
        "probe": Arg("a replication probe's name"),
        "limit_s": Arg("seconds from the loss to back in sync", minimum=0),
        "streak": Arg("passing probe rounds in a row that count as rebuilt", minimum=1),
        "pod": Arg("only this pod's losses"),
    },
    judge=_per_lost_disk,
)
