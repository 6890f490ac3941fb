"""Role targets (`leader-of(nats, stream=S)`): read, checked against a stack, resolved at injection.

Resolution is tested against fakes of our own interfaces (a run's endpoints, a runtime's
``leader``) answering as the services answered, not against a fake NATS or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from tests.unit.test_load_during import FakeRun as FakeFaultRun
from xmux_sim.errors import ScenarioFileError
from xmux_sim.experiment.player import FaultPlayer
from xmux_sim.faults.base import FaultError
from xmux_sim.faults.role import Role, parse_role
from xmux_sim.faults.spec import FaultSpec, FaultSpecError
from xmux_sim.scenario import expand, load_scenario, parse_scenario, resolve_stack
from xmux_sim.scenario.model import TimedFault
from xmux_sim.services.base import Endpoint, ProbeFailed, ServiceRuntime
from xmux_sim.services.postgres import sole_primary
from xmux_sim.services.roles import aim, pick_follower
from xmux_sim.timeline import Timeline
from xmux_sim.topology import load_stack

REPLICATED = load_stack("replicated")


# ----- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("leader-of(nats, stream=XMUX_SIM)", "leader-of(nats, stream=XMUX_SIM)"),
        ("leader-of( nats ,stream=S-1 )", "leader-of(nats, stream=S-1)"),
        ("primary-of(postgres)", "primary-of(postgres)"),
        ("follower-of(postgres)", "follower-of(postgres)"),
        ("follower-of(nats, stream=S)", "follower-of(nats, stream=S)"),
    ],
)
def test_a_role_is_read_and_written_one_way(written: str, canonical: str) -> None:
    spec = FaultSpec.parse("wipe-volume", {"pod": written})
    assert spec.params["pod"] == canonical and spec.roles == [canonical]
    assert FaultSpec.from_args("wipe-volume", [written]) == spec
    assert FaultSpec.from_json(spec.to_json()) == spec  # the ledger keeps it as text


def test_a_pod_is_still_a_pod() -> None:
    spec = FaultSpec.parse("kill", {"pod": "nats-1"})
    assert spec.params["pod"] == "nats-1" and spec.roles == []


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("leader-of(nats", "expected a role as ROLE-of(SERVICE"),
        ("boss-of(nats)", "with ROLE leader, primary or follower"),
        ("leader-of()", "expected a service name first"),
        ("leader-of(Nats)", "expected a service name first"),
        ("leader-of(nats, stream)", "expected key=value"),
        ("leader-of(nats, stream=a.b)", "expected key=value"),
        ("leader-of(nats, stream=)", "expected key=value"),
        ("leader-of(nats, stream=a, stream=b)", "stream given twice"),
        ("leader-of(nats(x))", "expected a role"),
        ("postgres", "SERVICE-REPLICA"),
    ],
)
def test_a_malformed_role_is_refused_when_read(written: str, message: str) -> None:
    with pytest.raises(FaultSpecError) as err:
        FaultSpec.parse("kill", {"pod": written})
    assert err.value.param == "pod" and message in str(err.value)


@pytest.mark.parametrize(
    "role",
    [
        "leader-of(nats, stream=S)",
        "follower-of(nats, stream=S)",
        "primary-of(postgres)",
        "follower-of(postgres)",
    ],
)
def test_roles_the_replicated_stack_can_resolve(role: str) -> None:
    FaultSpec.parse("wipe-volume", {"pod": role}).check(REPLICATED)


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("leader-of(oracle)", "no service 'oracle'; services: postgres, nats"),
        ("leader-of(minio)", "a minio service, which has no leader; roles fit: postgres (primary-of), nats"),
        ("leader-of(postgres)", "postgres calls its leader the primary: write primary-of(...)"),
        ("primary-of(nats, stream=S)", "nats calls its leader the leader"),
        ("leader-of(nats)", "missing stream=...; a nats leader is per stream"),
        ("follower-of(nats)", "missing stream=..."),
        ("primary-of(postgres, stream=S)", "takes no 'stream'; postgres roles take: nothing"),
    ],
)
def test_roles_are_checked_against_the_stack(role: str, message: str) -> None:
    spec = FaultSpec.parse("wipe-volume", {"pod": role})
    with pytest.raises(FaultSpecError) as err:
        spec.check(REPLICATED)
    assert err.value.param == "pod" and message in str(err.value), str(err.value)


def test_a_follower_needs_two_replicas() -> None:
    one = load_stack()  # the default stack: one PostgreSQL
    with pytest.raises(FaultSpecError, match="one replica, so no follower"):
        FaultSpec.parse("kill", {"pod": "follower-of(postgres)"}).check(one)
    FaultSpec.parse("kill", {"pod": "primary-of(postgres)"}).check(one)


def test_a_scenario_with_a_bad_role_fails_at_its_line(tmp_path: Path) -> None:
    text = (
        "name: s\nstack: replicated\nworkload:\n  duration: 30\n  clients: [{kind: sql-insert}]\n"
        "faults:\n  - at: 1\n    kind: wipe-volume\n    pod: leader-of(nats)\n"
    )
    (tmp_path / "s.yaml").write_text(text)
    with pytest.raises(ScenarioFileError) as err:
        resolve_stack(load_scenario(tmp_path / "s.yaml"))
    assert str(err.value).startswith(
        f"{tmp_path / 's.yaml'}:9: faults[0].pod: leader-of(nats): missing stream"
    )


def test_malformed_syntax_in_a_scenario_fails_when_read(tmp_path: Path) -> None:
    text = "name: s\nworkload: {duration: 30}\nfaults:\n  - at: 1\n    kind: kill\n    pod: leader-of(nats\n"
    (tmp_path / "s.yaml").write_text(text)
    with pytest.raises(ScenarioFileError, match=r"s\.yaml:6: faults\[0\]\.pod: expected a role as ROLE-of"):
        load_scenario(tmp_path / "s.yaml")


# ----- resolving -----------------------------------------------------------------------------


def endpoints(service: str, kind: str, n: int) -> list[Endpoint]:
    return [Endpoint(service, i, kind, {}, f"10.0.0.{i}") for i in range(n)]


class FakeRun:
    """Our run's endpoint view, as `aim` sees it."""

    def __init__(self) -> None:
        self.endpoints: Mapping[str, Sequence[Endpoint]] = {
            "nats": endpoints("nats", "nats", 3),
            "postgres": endpoints("postgres", "postgres", 3),
        }


class Recorded(ServiceRuntime):
    """A runtime whose ``leader`` gives a service's recorded answers in turn, noting what it was asked."""

    def __init__(self, kind: str, answers: list[str | Exception]) -> None:
        super().__init__(kind)
        self.answers = answers
        self.asked: list[tuple[int, dict[str, str]]] = []

    def leader(self, endpoints: Sequence[Endpoint], params: Mapping[str, str]) -> str:
        self.asked.append((len(endpoints), dict(params)))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_leader_of_is_what_the_service_says_now() -> None:
    nats = Recorded("nats", ["nats-2", "nats-0"])
    spec = FaultSpec.parse("wipe-volume", {"pod": "leader-of(nats, stream=S)"})
    first = aim(spec, FakeRun(), seed=1, runtimes=lambda kind: nats)
    assert first.spec == FaultSpec.parse("wipe-volume", {"pod": "nats-2"})
    assert first.aimed == {"nats-2": "leader-of(nats, stream=S)"}
    assert nats.asked == [(3, {"stream": "S"})]
    # Asked again at the next injection: a new leader, a new pod.
    assert aim(spec, FakeRun(), seed=1, runtimes=lambda kind: nats).spec.params["pod"] == "nats-0"


def test_a_follower_is_never_the_leader_and_the_seed_decides_which() -> None:
    spec = FaultSpec.parse("kill", {"pod": "follower-of(postgres)"})
    picks = {}
    pg = Recorded("postgres", ["postgres-1"] * 40)
    for seed in range(20):
        a = aim(spec, FakeRun(), seed, runtimes=lambda kind: pg)
        b = aim(spec, FakeRun(), seed, runtimes=lambda kind: pg)
        assert a == b  # the same seed and the same leader: the same pod
        picks[seed] = a.spec.params["pod"]
        assert a.aimed == {picks[seed]: "follower-of(postgres)"}
    assert set(picks.values()) == {"postgres-0", "postgres-2"}


def test_pick_follower_is_a_function_of_seed_and_role() -> None:
    role = parse_role("follower-of(nats, stream=S)")
    pods = ["nats-0", "nats-1", "nats-2"]
    assert pick_follower(role, "nats-1", pods, 7) == pick_follower(role, "nats-1", list(reversed(pods)), 7)
    assert {pick_follower(role, "nats-1", pods, s) for s in range(20)} == {"nats-0", "nats-2"}
    with pytest.raises(FaultError, match="no follower"):
        pick_follower(role, "nats-0", ["nats-0"], 1)


def test_a_service_that_cannot_tell_stops_the_fault() -> None:
    spec = FaultSpec.parse("wipe-volume", {"pod": "leader-of(nats, stream=S)"})
    down = Recorded("nats", [ProbeFailed("nats: no server could name the leader of S")])
    with pytest.raises(
        FaultError, match=r"leader-of\(nats, stream=S\): cannot tell who leads: nats: no server"
    ):
        aim(spec, FakeRun(), 0, runtimes=lambda kind: down)
    stranger = Recorded("nats", ["nats-7"])
    with pytest.raises(FaultError, match="names 'nats-7' as leader, not one of its pods"):
        aim(spec, FakeRun(), 0, runtimes=lambda kind: stranger)


def test_postgres_primary_is_the_one_member_not_in_recovery() -> None:
    assert sole_primary({"postgres-0": True, "postgres-1": False, "postgres-2": True}) == "postgres-1"
    assert sole_primary({"postgres-0": "connection refused", "postgres-1": False}) == "postgres-1"
    with pytest.raises(ProbeFailed, match="no member says it is primary"):
        sole_primary({"postgres-0": True, "postgres-1": "connection refused"})
    with pytest.raises(ProbeFailed, match="several members say they are primary"):
        sole_primary({"postgres-0": False, "postgres-1": False})


def test_role_text_is_stable() -> None:
    assert str(Role("leader", "nats", (("stream", "S"),))) == "leader-of(nats, stream=S)"


# ----- recorded ------------------------------------------------------------------------------


def test_the_timeline_records_the_pod_a_role_hit() -> None:
    run, timeline = FakeFaultRun(), Timeline()
    nats = Recorded("nats", ["nats-2"])
    spec = FaultSpec.parse("wipe-volume", {"pod": "leader-of(nats, stream=X)"})
    player = FaultPlayer(
        run,
        [TimedFault(at=0.0, duration=0.05, spec=spec)],
        timeline,
        horizon=0.2,
        aim=lambda s: aim(s, FakeRun(), 3, runtimes=lambda kind: nats),
    ).start()
    player.stop()
    assert player.error is None
    assert run.log[0] == ("inject", "wipe-volume pod=nats-2 restart=at-once")  # the provider sees a pod
    (event,) = timeline.events
    assert event.spec.params["pod"] == "nats-2"
    assert event.aimed == {"nats-2": "leader-of(nats, stream=X)"}
    assert event.description == "wipe-volume pod=leader-of(nats, stream=X) -> nats-2 restart=at-once"
    assert event.heal_t is not None


def test_a_role_without_a_way_to_ask_is_an_error_of_the_run() -> None:
    run, timeline = FakeFaultRun(), Timeline()
    spec = FaultSpec.parse("kill", {"pod": "primary-of(postgres)"})
    player = FaultPlayer(run, [TimedFault(at=0.0, duration=0.05, spec=spec)], timeline, horizon=0.2).start()
    player.stop()
    assert player.error is not None and "role targets need a run" in player.error
    assert run.log == [("heal_all", "")] and timeline.events == []


def test_a_generated_schedule_may_draw_roles() -> None:
    text = (
        "name: g\nstack: replicated\nseed: 4\nworkload:\n  duration: 60\n  clients: [{kind: sql-insert}]\n"
        "faults:\n  - generate:\n      count: 3\n      kinds: [kill, wipe-volume]\n      targets:\n"
        "        pod:\n          - primary-of(postgres)\n          - follower-of(nats, stream=S)\n"
        "      duration: 2\n"
    )
    scenario = parse_scenario(text, "g.yaml")
    faults = expand(scenario, resolve_stack(scenario), 4)
    assert len(faults) == 3
    assert {f.spec.params["pod"] for f in faults} <= {"primary-of(postgres)", "follower-of(nats, stream=S)"}
