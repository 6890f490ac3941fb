"""Every extension is declared once and carried out: no declaration without an implementation,
no implementation of something undeclared, and the reference page says what the declarations say.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from xmux_sim.checkers import CHECKERS, CheckerKind, RunEvidence, Verdict
from xmux_sim.checkers.kind import Arg
from xmux_sim.errors import ScenarioFileError
from xmux_sim.experiment.judge import judge
from xmux_sim.experiment.probes import PROBES
from xmux_sim.faults.kind import FAULT_KINDS, FaultKind
from xmux_sim.history import History, Operation, Outcome
from xmux_sim.params import POD, Param, quantity
from xmux_sim.providers import implemented_fault_kinds, provider_names, refused_fault_kinds
from xmux_sim.scenario import parse_scenario, resolve_stack
from xmux_sim.scenario.kinds import CLIENT_KINDS, PROBE_KINDS
from xmux_sim.scenario.reference import update
from xmux_sim.services import ServiceRuntime, runtime_for
from xmux_sim.timeline import FaultEvent, FaultWindow
from xmux_sim.topology.kinds import KINDS
from xmux_sim.workload import CLIENTS

REPO = Path(__file__).resolve().parents[2]


def unimplemented(provider: str) -> set[str]:
    return set(FAULT_KINDS) - implemented_fault_kinds(provider) - set(refused_fault_kinds(provider))


@pytest.mark.parametrize("provider", provider_names())
def test_every_fault_kind_has_an_implementation_in_every_provider(provider: str) -> None:
    """Implemented, or refused by declaration with a reason (the kind provider runs no pods yet)."""
    assert unimplemented(provider) == set()
    assert implemented_fault_kinds(provider) <= set(FAULT_KINDS), "an implementation of no declared kind"
    refused = refused_fault_kinds(provider)
    assert not set(refused) & implemented_fault_kinds(provider)
    assert all(reason for reason in refused.values())


def test_the_docker_provider_refuses_no_fault_kind() -> None:
    assert refused_fault_kinds("docker") == {}


def test_a_declared_kind_without_an_implementation_is_caught() -> None:
    toy = FaultKind("toy-undone", "declared, never implemented", (Param("pod", POD, "a pod", required=True),))
    with FAULT_KINDS.added(toy):
        assert unimplemented("docker") == {"toy-undone"}
    assert "toy-undone" not in FAULT_KINDS


def test_every_client_and_probe_kind_is_carried_out() -> None:
    assert set(CLIENTS) == set(CLIENT_KINDS)
    assert set(PROBES) == set(PROBE_KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_service_kind_has_its_runtime(kind: str) -> None:
    runtime = runtime_for(kind)
    assert isinstance(runtime, ServiceRuntime) and runtime.kind == kind
    assert runtime.info is KINDS[kind]


def test_every_checker_documents_each_argument_a_file_may_set() -> None:
    for checker in CHECKERS.values():
        assert checker.help and checker.evidence
        for param in checker.params.values():
            assert param.help, f"{checker.name}: {param.name}"


def _toy_check(history: list[Operation], *, limit: float, name: str = "x") -> Verdict:
    return Verdict(name, True)


def test_a_checker_declaration_must_match_its_function() -> None:
    with pytest.raises(ValueError, match="not arguments"):
        CheckerKind("bad", _toy_check, "-", ("history",), {"limit": Arg("a"), "typo": Arg("b")})
    with pytest.raises(ValueError, match="no evidence"):
        CheckerKind("bad", _toy_check, "-", ("histories",), {"limit": Arg("a")})


@pytest.mark.parametrize(
    ("page_path", "tables"),
    [("docs/scenario-file.md", ("probes", "clients", "faults", "checkers")), ("README.md", ("services",))],
)
def test_the_reference_pages_are_what_the_declarations_say(page_path: str, tables: tuple[str, ...]) -> None:
    page = (REPO / page_path).read_text()
    assert update(page) == page, f"run: python -m xmux_sim.scenario.reference {page_path}"
    for name in tables:
        assert f"<!-- generated: {name} -->" in page


# ----- a kind and a checker added from a test module, judged on a recorded run -----------------

FREEZE = FaultKind(
    "freeze",
    "a test's own fault kind",
    (Param("pod", POD, "the pod", required=True), Param("seconds", quantity(0, 60), "how long", default=1.0)),
)


def ops_during(
    history: Iterable[Operation], fault_windows: Iterable[FaultWindow], *, at_most: int, name: str = "x"
) -> Verdict:
    """Valid when at most ``at_most`` operations were invoked while a fault was in."""
    windows = list(fault_windows)
    n = sum(1 for o in history if any(w.inject_t <= o.invoke_t < (w.heal_t or 1e9) for w in windows))
    return Verdict(name, n <= at_most, figures={"during": n})


OPS_DURING = CheckerKind(
    "ops-during",
    ops_during,
    "a test's own checker",
    evidence=("history", "faults"),
    args={"at_most": Arg("operations allowed while a fault is in", minimum=0)},
)

TOY_FILE = """\
name: toy
workload: {duration: 10}
faults:
  - {at: 2, duration: 3, kind: freeze, pod: postgres-0, seconds: SECONDS}
invariants:
  - {name: quiet, checker: ops-during, at_most: AT_MOST}
"""


def toy_file(seconds: str = "2", at_most: str = "1") -> str:
    return TOY_FILE.replace("SECONDS", seconds).replace("AT_MOST", at_most)


def test_a_new_kind_and_checker_need_no_other_file() -> None:
    with FAULT_KINDS.added(FREEZE), CHECKERS.added(OPS_DURING):
        scenario = parse_scenario(toy_file(), "toy.yaml")
        resolve_stack(scenario)  # the pod exists in the default stack
        with pytest.raises(ScenarioFileError, match=r"toy.yaml:4: faults\[0\].seconds: 99 is out of range"):
            parse_scenario(toy_file(seconds="99"), "toy.yaml")
        with pytest.raises(ScenarioFileError, match=r"toy.yaml:6: invariants\[0\].at_most: -1 is below"):
            parse_scenario(toy_file(at_most="-1"), "toy.yaml")
        # Judged on a recorded run: three writes, two of them while the fault was in.
        (fault,) = scenario.faults
        history = History([Operation("w", "write", f"k{t}", None, t, t + 0.1, Outcome.ok) for t in (1, 3, 4)])
        evidence = RunEvidence(history=history, faults=[FaultEvent("f1", fault.spec, 2.0, 5.0)])
        ((inv, verdict),) = judge(scenario, evidence, recovered_in=None)
    assert inv is not None and inv.checker == "ops-during"
    assert verdict.valid is False and verdict.figures == {"during": 2}
    # Without the registrations the same file names things nobody knows.
    with pytest.raises(ScenarioFileError, match="unknown fault kind 'freeze'"):
        parse_scenario(toy_file(), "toy.yaml")
