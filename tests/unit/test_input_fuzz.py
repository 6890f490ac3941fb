"""Mutated shipped files are either valid or the project's own located error: never a traceback, never a hang.

Hypothesis takes the stack, scenario and load-profile files we ship and breaks them two
ways: as text (cut, insert YAML's special characters, duplicate or swap lines) and as
data (one value swapped for a hostile one: .nan, a huge integer, a path, markup, a line
break, a list where a number belongs; a key dropped or added). Each mutant goes through
the same steps as `xmux-sim validate` (a scenario also resolves its stack and expands its
generated faults with a seed) within a deadline.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from xmux_sim.errors import InputError
from xmux_sim.load.profile import parse_profile
from xmux_sim.scenario.loader import parse_scenario, resolve_stack
from xmux_sim.scenario.schedule import expand
from xmux_sim.topology.stackfile import build_stack
from xmux_sim.topology.yamldoc import YamlDoc

ROOT = Path(__file__).resolve().parents[2]
STACKS = sorted((ROOT / "xmux_sim" / "stacks").glob("*.yaml"))
SCENARIOS = sorted(
    [
        *(ROOT / "scenarios").rglob("*.yaml"),
        *(ROOT / "loadtests" / "during").glob("*.yaml"),
        *(ROOT / "needs-official-mongo").glob("*.yaml"),
        ROOT / "xmux_sim" / "scenario" / "default.yaml",
    ]
)
PROFILES = sorted((ROOT / "loadtests" / "profiles").glob("*.yaml"))


def _scenario(text: str, source: str) -> object:
    scenario = parse_scenario(text, source)
    return expand(scenario, resolve_stack(scenario), seed=7)


READERS: dict[str, Callable[[str, str], object]] = {
    # Read as from its place: a stack's rule files are found next to it.
    "stack": lambda text, source: build_stack(YamlDoc.parse(text, source), Path(source)),
    "scenario": _scenario,
    "profile": lambda text, source: parse_profile(text, source),
}
SHIPPED = (
    [("stack", p) for p in STACKS] + [("scenario", p) for p in SCENARIOS] + [("profile", p) for p in PROFILES]
)

HOSTILE: list[object] = [
    float("nan"),
    float("inf"),
    -float("inf"),
    10**30,
    2**63,
    -1,
    0,
    3.5,
    1e308,
    "",
    "x\n",
    "node-1\n",
    "../../../etc/passwd",
    "/etc/passwd",
    "[/] :x: [bold]",
    "5s; } server { listen 81; }",
    "a" * 300,
    "\t",
    [],
    [1, 2, 3],
    {},
    {"a": {"b": None}},
    None,
    True,
    "!!python/object:os.system",
    "2024-01-01",
]
SPECIAL = [
    "\n",
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!",
    "!!int ",
    "#",
    "'",
    '"',
    "\t",
    " ",
    ".nan",
    "9" * 60,
]


def check(kind: str, text: str, source: Path) -> None:
    """Valid, or an InputError naming a file: anything else (or a hang) fails the example."""
    try:
        READERS[kind](text, str(source))
        event("valid")
    except InputError as exc:
        event("our error")
        message = str(exc)
        assert message.split(":", 1)[0].endswith(".yaml"), f"names no file: {message}"
        assert "\n" not in message, f"not one line: {message}"


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a parsed document: mapping keys and list items, to any depth."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*path, i))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


FUZZ = settings(
    max_examples=300,
    # Validation takes milliseconds; a mutant that took seconds would be a hang in the making.
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(
    shipped=st.sampled_from(SHIPPED),
    edits=st.lists(
        st.tuples(st.sampled_from(["cut", "insert", "duplicate", "swap"]), st.integers(0, 10**6), st.data()),
        min_size=1,
        max_size=4,
    ),
)
def test_text_mutants_are_valid_or_our_error(
    shipped: tuple[str, Path], edits: list[tuple[str, int, st.DataObject]]
) -> None:
    kind, path = shipped
    text = path.read_text()
    for edit, where, data in edits:
        at = where % (len(text) + 1)
        lines = text.splitlines(keepends=True)
        if edit == "cut":
            text = text[:at] + text[at + data.draw(st.integers(1, 40)) :]
        elif edit == "insert":
            text = text[:at] + data.draw(st.sampled_from(SPECIAL) | st.text(max_size=8)) + text[at:]
        elif lines and edit == "duplicate":
            i = where % len(lines)
            text = "".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
        elif len(lines) > 1:
            i, j = where % len(lines), data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
    check(kind, text, path)


@FUZZ
@given(shipped=st.sampled_from(SHIPPED), data=st.data())
def test_data_mutants_are_valid_or_our_error(shipped: tuple[str, Path], data: st.DataObject) -> None:
    # A copy per draw: HOSTILE holds lists and mappings that a later edit of the same example
    # appends to or deletes from, which would change HOSTILE itself and so the next example's
    # draws (hypothesis then stops with FlakyStrategyDefinition).
    hostile = st.sampled_from(HOSTILE).map(copy.deepcopy)
    kind, path = shipped
    doc = yaml.safe_load(path.read_text())
    for _ in range(data.draw(st.integers(1, 3))):
        places = _paths(doc)
        if not places:
            break
        place = data.draw(st.sampled_from(places))
        parent = _parent(doc, place)
        action = data.draw(st.sampled_from(["replace", "replace", "drop", "add"]))
        if action == "replace":
            parent[place[-1]] = data.draw(hostile)
        elif action == "drop":
            del parent[place[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["colour", "x\n", "[/]", "<<"]))] = data.draw(hostile)
        else:
            parent.append(data.draw(hostile))
    check(kind, yaml.safe_dump(doc, sort_keys=False), path)


@pytest.mark.parametrize(("kind", "path"), SHIPPED, ids=[str(p.relative_to(ROOT)) for _, p in SHIPPED])
def test_every_shipped_file_is_valid(kind: str, path: Path) -> None:
    READERS[kind](path.read_text(), str(path))
