"""rebuild_time: from a replica's loss until the replication probe, having seen it out of sync, passes."""

from __future__ import annotations

import json

import pytest

from xmux_sim.checkers import UNKNOWN, rebuild_time, rebuilds
from xmux_sim.history import Recorder
from xmux_sim.scenario.model import ClientSpec
from xmux_sim.services.base import Endpoint
from xmux_sim.timeline import FaultWindow, Phase, ProbeResult, RunClock
from xmux_sim.workload.stores import JetStreamPublish

LOSS = FaultWindow("wipe-volume pod=postgres-1", 10.0, 12.0)


def rounds(out_from: float, back_at: float, end: float = 40.0, step: float = 0.5) -> list[ProbeResult]:
    """Probe rounds every ``step`` s, failing in [out_from, back_at)."""
    return [
        ProbeResult(i * step, "in-sync", Phase.during, not out_from <= i * step < back_at)
        for i in range(int(end / step))
    ]


def test_rebuild_within_the_limit_is_valid() -> None:
    v = rebuild_time(rounds(10.5, 17.0), [LOSS], probe="in-sync", limit_s=30)
    assert v.valid is True
    assert v.figures["max_rebuild_s"] == 7.0 and v.figures["rebuilt"] == 1
    (r,) = v.evidence["rebuilds"]
    assert (r["out_of_sync_t"], r["rebuilt_t"]) == (10.5, 17.0)
    json.dumps(v.to_dict())


def test_slow_rebuild_is_invalid() -> None:
    v = rebuild_time(rounds(10.5, 35.0), [LOSS], probe="in-sync", limit_s=10)
    assert v.valid is False and "rebuilt after 25.0 s > 10 s" in v.message


def test_replica_that_never_comes_back_is_invalid() -> None:
    v = rebuild_time(rounds(10.5, 99.0), [LOSS], probe="in-sync", limit_s=60)
    assert v.valid is False and "never passed again" in v.message
    assert v.figures["not_rebuilt"] == 1


def test_a_pass_before_the_loss_is_noticed_does_not_count() -> None:
    # The probe still passes for a moment (the primary has not noticed the standby's death).
    (r,) = rebuilds(rounds(12.0, 20.0), [LOSS], probe="in-sync")
    assert r.out_of_sync_t == 12.0 and r.rebuild_s == 10.0


def test_a_rebuild_faster_than_a_probe_round_counts_the_first_pass_and_says_so() -> None:
    v = rebuild_time(rounds(0, 0), [LOSS], probe="in-sync", limit_s=5)
    assert v.valid is True and "never seen out of sync" in v.message
    assert v.figures["max_rebuild_s"] == 0.0


def test_streak_and_other_probes() -> None:
    samples = [*rounds(10.5, 14.0), ProbeResult(11.0, "other", Phase.during, True)]
    samples = [s for s in samples if s.t != 15.0] + [ProbeResult(15.0, "in-sync", Phase.during, False)]
    (r,) = rebuilds(samples, [LOSS], probe="in-sync", streak=3)
    assert r.rebuilt_t == 15.5
    with pytest.raises(ValueError, match="streak"):
        rebuilds(samples, [LOSS], probe="in-sync", streak=0)


def test_each_loss_is_judged_until_the_next() -> None:
    second = FaultWindow("wipe-volume pod=postgres-2", 25.0, 26.0)
    samples = [s._replace(ok=s.ok and not 25.5 <= s.t < 28.0) for s in rounds(10.5, 13.0)]
    first, later = rebuilds(samples, [second, LOSS], probe="in-sync")
    assert (first.rebuild_s, later.rebuild_s) == (3.0, 3.0)


def test_no_loss_is_unknown() -> None:
    v = rebuild_time(rounds(0, 0), [], probe="in-sync", limit_s=5)
    assert v.valid == UNKNOWN


@pytest.mark.parametrize(
    ("params", "service_replicas", "replicas", "tags"),
    [
        ({}, 3, 3, None),  # follows the service
        ({}, 7, 5, None),  # JetStream's maximum
        ({"replicas": 1, "placement": "pod:nats-2"}, 3, 1, ["pod:nats-2"]),
    ],
)
def test_streams_follow_the_service_replicas(
    params: dict[str, object], service_replicas: int, replicas: int, tags: list[str] | None
) -> None:
    spec = ClientSpec(kind="jetstream-publish", service="nats", params={"stream": "S", **params})
    ep = Endpoint("nats", 0, "nats", {}, "198.18.220.11")
    client = JetStreamPublish(spec, ep, Recorder(RunClock()), "c")
    client.service_replicas = service_replicas
    config = client.stream_config()
    assert config.num_replicas == replicas
    assert (config.placement.tags if config.placement else None) == tags


def test_losses_of_other_pods_are_left_out() -> None:
    other = FaultWindow("wipe-volume pod=nats-1 [ab12]", 10.1, 12.0)
    mine = FaultWindow("wipe-volume pod=postgres-1 [cd34]", 10.2, 12.0)
    (r,) = rebuilds(rounds(10.5, 14.0), [other, mine], probe="in-sync", pod="postgres-1")
    assert r.name == mine.name and r.rebuilt_t == 14.0
    assert rebuilds(rounds(10.5, 14.0), [other], probe="in-sync", pod="postgres-10") == []
    aimed = FaultWindow(
        "wipe-volume pod=leader-of(nats, stream=S) -> nats-2 restart=at-once [ef56]", 10.3, 12.0
    )
    assert [r.name for r in rebuilds(rounds(10.5, 14.0), [other, aimed], probe="in-sync", pod="nats-2")] == [
        aimed.name
    ]
