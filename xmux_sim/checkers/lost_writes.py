"""Lost acknowledged writes, with set semantics (Jepsen's set checker).

Each write adds one key to a store; after the faults are healed the harness
reads back every key the store holds (a `FinalRead`). Per key, the strongest
outcome of any write of it counts (ok > unknown > fail), then:

- lost:        acknowledged (some write ok) but absent from the final read. Always a violation.
- unexpected:  present but never attempted. Always a violation.
- recovered:   no write was acknowledged, one was ``unknown``, and the key is present:
               the write took effect after the client gave up. Fine.
- phantom:     every write of it failed, yet the key is present. Not a violation by
               default, because the error may have been raised after the commit
               (e.g. a dropped connection on the commit reply); ``phantom_is_violation``
               makes it one for stores that promise "fail means not written".
- duplicates:  read more than once; a violation unless ``allow_duplicates`` (at-least-once
               streams without dedup).
- stale:       acknowledged and present in the end, but missing from a whole-set read
               (op in ``read_ops``, key None, value a collection of keys) that began after the
               acknowledgement. A violation only when ``linearizable``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Mapping
from typing import Any, cast

from xmux_sim.checkers.kind import Arg, CheckerKind, RunEvidence
from xmux_sim.checkers.verdict import UNKNOWN, Figure, Validity, Verdict, examples
from xmux_sim.history import FinalRead, Operation, Outcome

__all__ = ["LOST_WRITES", "WRITE_OPS", "lost_writes"]

WRITE_OPS: tuple[str, ...] = ("write", "put", "publish")
_READ_FIGURES = ("present", "lost", "unexpected", "recovered", "phantom", "duplicates", "stale")


def lost_writes(
    history: Iterable[Operation],
    final_read: FinalRead,
    store: str,
    *,
    write_ops: Collection[str] = WRITE_OPS,
    allow_duplicates: bool = False,
    phantom_is_violation: bool = False,
    read_ops: Collection[str] = ("read",),
    linearizable: bool = False,
    name: str = "lost_writes",
) -> Verdict:
    write_kinds = frozenset(write_ops)
    read_kinds = frozenset(read_ops)
    ok_keys: set[str] = set()
    unknown_keys: set[str] = set()
    fail_keys: set[str] = set()
    by_outcome = {Outcome.ok: ok_keys, Outcome.unknown: unknown_keys, Outcome.fail: fail_keys}
    set_reads: list[Operation] = []

    # Stale-read detection needs a second pass, so a one-shot iterator is materialised.
    ops = history if isinstance(history, Collection) else list(history)

    # One pass, no per-operation allocation: this runs over millions of writes.
    for o in ops:
        if o.store != store:
            continue
        if o.op in write_kinds:
            if o.key is not None:
                by_outcome[o.outcome].add(o.key)
        elif o.op in read_kinds and o.key is None and o.outcome is Outcome.ok and _is_key_set(o.value):
            set_reads.append(o)

    unknown_keys -= ok_keys
    fail_keys -= ok_keys
    fail_keys -= unknown_keys

    attempted = len(ok_keys) + len(unknown_keys) + len(fail_keys)
    if not final_read.has(store):
        # Without a read every acknowledged write would look lost; say nothing instead.
        return Verdict(
            name=name,
            valid=UNKNOWN,
            figures={"attempted": attempted, "acknowledged": len(ok_keys)} | dict.fromkeys(_READ_FIGURES),
            message=f"{store}: no final read of this store, nothing can be said about lost writes",
        )

    counts = final_read.counts(store)
    lost = ok_keys.difference(counts)
    unexpected = set(counts).difference(ok_keys, unknown_keys, fail_keys)
    recovered = unknown_keys.intersection(counts)
    phantom = fail_keys.intersection(counts)
    duplicates = {k for k, n in counts.items() if n > 1}
    stale = _stale_keys(ops, set_reads, store, write_kinds, ok_keys - lost) if set_reads else set()

    figures: dict[str, Figure] = {
        "attempted": attempted,
        "acknowledged": len(ok_keys),
        "present": len(counts),
        "lost": len(lost),
        "unexpected": len(unexpected),
        "recovered": len(recovered),
        "phantom": len(phantom),
        "duplicates": len(duplicates),
        "stale": len(stale),
        "set_reads": len(set_reads),
    }
    evidence: dict[str, Any] = {
        "lost": examples(lost),
        "unexpected": examples(unexpected),
        "recovered": examples(recovered),
        "phantom": examples(phantom),
        "duplicates": [[k, counts[k]] for k in examples(duplicates)],
        "stale": examples(stale),
    }

    violations: list[str] = []
    if lost:
        violations.append(f"{len(lost)} of {len(ok_keys)} acknowledged writes lost ({_show(lost)})")
    if unexpected:
        violations.append(f"{len(unexpected)} keys never written are present ({_show(unexpected)})")
    if duplicates and not allow_duplicates:
        violations.append(f"{len(duplicates)} keys read more than once ({_show(duplicates)})")
    if phantom and phantom_is_violation:
        violations.append(f"{len(phantom)} failed writes are present ({_show(phantom)})")
    if stale and linearizable:
        violations.append(f"{len(stale)} acknowledged keys missing from later reads ({_show(stale)})")

    valid: Validity
    if violations:
        valid = False
        message = f"{store}: " + "; ".join(violations)
    elif attempted == 0:
        valid = UNKNOWN
        message = f"{store}: no writes attempted, nothing to check"
    else:
        valid = True
        message = (
            f"{store}: all {len(ok_keys)} acknowledged writes present "
            f"({len(recovered)} recovered, {len(phantom)} phantom, {attempted} attempted)"
        )
    return Verdict(name=name, valid=valid, figures=figures, evidence=evidence, message=message)


def _is_key_set(value: object) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def _stale_keys(
    history: Iterable[Operation],
    set_reads: list[Operation],
    store: str,
    write_kinds: frozenset[str],
    survivors: set[str],
) -> set[str]:
    """Acknowledged keys some read missed although it began after the acknowledgement.

    Instead of diffing every read against every key, count per key how many
    reads after its acknowledgement saw it and compare with how many reads
    came after it at all: linear in the total size of the reads.
    """
    acked_at: dict[str, float] = {}
    for o in history:
        if (
            o.outcome is Outcome.ok
            and o.op in write_kinds
            and o.store == store
            and o.key in survivors
            and o.complete_t is not None
        ):
            t = acked_at.get(o.key)
            if t is None or o.complete_t < t:
                acked_at[o.key] = o.complete_t

    read_times = sorted(r.invoke_t for r in set_reads)
    seen_after_ack: dict[str, int] = dict.fromkeys(acked_at, 0)
    for r in set_reads:
        for k in set(cast(Collection[str], r.value)):
            t = acked_at.get(k)
            if t is not None and r.invoke_t > t:
                seen_after_ack[k] += 1

    stale: set[str] = set()
    for k, t in acked_at.items():
        reads_after = len(read_times) - bisect_right(read_times, t)
        if reads_after > seen_after_ack[k]:
            stale.add(k)
    return stale


def _show(keys: set[str], n: int = 5) -> str:
    shown = ", ".join(examples(keys, n))
    return shown + (", ..." if len(keys) > n else "")


def _after_final_read(run: RunEvidence, name: str, kwargs: Mapping[str, Any]) -> Verdict:
    store = str(kwargs["store"])
    if not run.final_read.has(store):
        # The store could not be read back whole: its writes cannot be shown kept or lost.
        return Verdict(name, UNKNOWN, message=f"no final read of {store}")
    return lost_writes(run.history, run.final_read, name=name, **kwargs)


LOST_WRITES = CheckerKind(
    "lost-writes",
    lost_writes,
    "every acknowledged write is in the store's final read after recovery (set semantics)",
    evidence=("history", "final_read"),
    args={
        "store": Arg("a service a writing client targets"),
        "write_ops": Arg("operations that add a key"),
        "allow_duplicates": Arg("a key read more than once is fine (at-least-once streams)"),
        "phantom_is_violation": Arg("a key whose every write failed must not be present"),
        "read_ops": Arg("operations that read the whole set (for stale reads)"),
        "linearizable": Arg("a whole-set read must hold every write acknowledged before it began"),
    },
    judge=_after_final_read,
)
