"""The result every checker returns, and how results compose.

Like Jepsen's checkers, validity is three-valued: a checker that saw nothing
to judge says ``"unknown"`` instead of pretending the system was correct.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol, TypeVar

__all__ = [
    "EVIDENCE_LIMIT",
    "UNKNOWN",
    "Figure",
    "Validity",
    "Verdict",
    "compose",
    "examples",
    "merge_valid",
]

UNKNOWN: Final = "unknown"
Validity = bool | Literal["unknown"]
Figure = float | int | str | None

# Verdicts end up in results.json and the HTML report; a million lost keys
# must not make either unreadable, so every example list is capped.
EVIDENCE_LIMIT: Final = 50


class _Orderable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


T = TypeVar("T", bound=_Orderable)


@dataclass(frozen=True)
class Verdict:
    name: str
    valid: Validity
    figures: dict[str, Figure] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    def __post_init__(self) -> None:
        if self.valid not in (True, False, UNKNOWN):
            raise ValueError(f"valid must be True, False or {UNKNOWN!r}, got {self.valid!r}")
        # The message is the one line a person reads in the verdict table.
        flat = " ".join(self.message.split())
        if flat != self.message:
            object.__setattr__(self, "message", flat)

    @property
    def holds(self) -> bool:
        """True only for a definite pass; ``"unknown"`` does not hold."""
        return self.valid is True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "valid": self.valid,
            "figures": dict(self.figures),
            "evidence": self.evidence,
            "message": self.message,
        }


def merge_valid(*values: Validity) -> Validity:
    """False beats unknown beats True (Jepsen's ``merge-valid``)."""
    if any(v is False for v in values):
        return False
    if any(v == UNKNOWN for v in values):
        return UNKNOWN
    return True


def examples(items: Iterable[T], limit: int = EVIDENCE_LIMIT) -> list[T]:
    """The smallest ``limit`` items, sorted, without sorting all of them."""
    return heapq.nsmallest(limit, items)


def compose(*verdicts: Verdict, name: str = "all") -> Verdict:
    """One verdict that holds only if every part holds; with no parts it holds vacuously."""
    names: list[str] = []
    for v in verdicts:
        unique, n = v.name, 2
        while unique in names:
            unique, n = f"{v.name}#{n}", n + 1
        names.append(unique)

    figures: dict[str, Figure] = {"checks": len(verdicts)}
    evidence: dict[str, Any] = {}
    for label, v in zip(names, verdicts, strict=True):
        figures.update({f"{label}.{k}": value for k, value in v.figures.items()})
        evidence[label] = v.to_dict()

    valid = merge_valid(*(v.valid for v in verdicts))
    held = sum(1 for v in verdicts if v.valid is True)
    figures["held"] = held
    problems = [
        f"{label}: {v.message}" for label, v in zip(names, verdicts, strict=True) if v.valid is not True
    ]
    summary = f"{held} of {len(verdicts)} checks hold" if verdicts else "no checks"
    message = "; ".join([summary, *problems])
    return Verdict(name=name, valid=valid, figures=figures, evidence=evidence, message=message)
