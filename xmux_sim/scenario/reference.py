"""The reference tables of docs/scenario-file.md, rendered from the kinds' declarations.

Probe and client kinds (:mod:`xmux_sim.scenario.kinds`), fault kinds
(:mod:`xmux_sim.faults.kinds`) and checkers (:mod:`xmux_sim.checkers`) each have a table.
In the page, a table sits between ``<!-- generated: NAME -->`` and ``<!-- end -->``;
``python -m xmux_sim.scenario.reference docs/scenario-file.md`` writes them again, and a
unit test fails when the page and the declarations disagree.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from xmux_sim.checkers.kind import CHECKERS
from xmux_sim.faults.kind import FAULT_KINDS
from xmux_sim.params import Param
from xmux_sim.scenario.kinds import CLIENT_KINDS, PROBE_KINDS, CallKind

__all__ = ["TABLES", "update"]

_BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z-]+) -->\n).*?(<!-- end -->)", re.S)


def _params(params: Iterable[Param]) -> str:
    items = [f"{p.doc()}: {p.help}" if p.help else p.doc() for p in params]
    return "; ".join(items) or "none"


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _service(kind: CallKind) -> str:
    return f"`service` [{kind.service}]" if kind.service else "`service` (required)"


def probes() -> str:
    return _table(
        ("kind", "what it checks", "talks to", "fields"),
        (
            (f"`{k.name}`", k.help, k.talks_to, f"{_service(k)}; {_params(k.fields)}")
            for k in PROBE_KINDS.values()
        ),
    )


def clients() -> str:
    return _table(
        ("kind", "what it does", "talks to", "writes", "`params`"),
        (
            (f"`{k.name}`", k.help, k.talks_to, "yes" if k.writes else "no", _params(k.fields))
            for k in CLIENT_KINDS.values()
        ),
    )


def faults() -> str:
    def parameters(kind_name: str) -> str:
        kind = FAULT_KINDS[kind_name]
        text = _params(kind.params)
        if kind.one_of:
            text += f"; exactly one of {', '.join(f'`{p}`' for p in kind.one_of)}"
        return text

    return _table(
        ("kind", "what it does", "parameters", "heals"),
        (
            (
                f"`{k.name}`",
                k.help,
                parameters(k.name),
                "instant: no `duration` or `until`" if k.instant else "at the end of its duration",
            )
            for k in FAULT_KINDS.values()
        ),
    )


def checkers() -> str:
    return _table(
        ("checker", "what it judges", "arguments (defaults)", "from the run"),
        (
            (
                f"`{c.name}`",
                c.help,
                _params(c.params.values()),
                ", ".join(e.replace("_", " ") for e in c.evidence),
            )
            for c in CHECKERS.values()
        ),
    )


TABLES: dict[str, Callable[[], str]] = {
    "probes": probes,
    "clients": clients,
    "faults": faults,
    "checkers": checkers,
}


def update(text: str) -> str:
    """The page with every generated table written anew from the declarations."""

    def block(m: re.Match[str]) -> str:
        name = m["name"]
        if name not in TABLES:
            raise ValueError(f"no generated table {name!r}; tables: {', '.join(TABLES)}")
        return m.group(1) + TABLES[name]() + m.group(3)

    return _BLOCK.sub(block, text)


def main(argv: Sequence[str]) -> int:
    for name in argv:
        path = Path(name)
        path.write_text(update(path.read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
