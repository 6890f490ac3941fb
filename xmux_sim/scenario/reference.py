"""The reference tables of docs/scenario-file.md and the README, rendered from the declarations.

Probe and client kinds (:mod:`xmux_sim.scenario.kinds`), fault kinds
(:mod:`xmux_sim.faults.kinds`), checkers (:mod:`xmux_sim.checkers`) and the settings of
each service kind (:mod:`xmux_sim.topology.kinds`) each have a table. In a page, a table
sits between ``<!-- generated: NAME -->`` and ``<!-- end -->``;
``python -m xmux_sim.scenario.reference docs/scenario-file.md README.md`` writes them
again, and a unit test fails when a page and the declarations disagree.
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
from xmux_sim.topology.kinds import KINDS

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


def services() -> str:
    # Kinds alike in ports and settings (the XMUS stand-ins) share a row.
    rows: dict[tuple[str, str], list[str]] = {}
    for kind in KINDS.values():
        order = [*kind.published, *(p for p in kind.ports if p not in kind.published)]
        ports = ", ".join(f"{p} {kind.ports[p]}" for p in order)
        rows.setdefault((ports, _params(kind.config)), []).append(f"`{kind.name}`")
    return _table(
        ("kind", "ports (published by default first)", "`config` settings"),
        ((", ".join(names), ports, settings) for (ports, settings), names in rows.items()),
    )


TABLES: dict[str, Callable[[], str]] = {
    "probes": probes,
    "clients": clients,
    "faults": faults,
    "checkers": checkers,
    "services": services,
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
