"""Load profiles: the shipped files load, wrong values are located, overrides keep the pace."""

from __future__ import annotations

import pytest

from xmux_sim.load.profile import ACTIONS, PROFILES_DIR, ProfileError, load_profile, parse_profile, users_at


@pytest.mark.parametrize("name", ["smoke", "steady", "ramp", "spike"])
def test_shipped_profiles_load(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.total_duration > 0
    assert set(profile.mix) <= set(ACTIONS)


def test_every_shipped_profile_is_listed() -> None:
    assert {p.stem for p in PROFILES_DIR.glob("*.yaml")} == {"smoke", "steady", "ramp", "spike"}


def test_smoke_is_short_paced_and_tours_every_action() -> None:
    smoke = load_profile("smoke")
    assert smoke.total_duration <= 15
    assert smoke.arrival_rate is not None
    assert smoke.tour
    assert all(w > 0 for w in smoke.mix.values()) and set(smoke.mix) == set(ACTIONS)


def test_ramp_has_a_p99_limit_and_rising_stages() -> None:
    ramp = load_profile("ramp")
    assert ramp.limits.p99_ms is not None
    users = [s.users for s in ramp.stages]
    assert users == sorted(users) and len(set(users)) == len(users)


def test_spike_rises_and_falls() -> None:
    spike = load_profile("spike")
    users = [s.users for s in spike.stages]
    assert max(users) > users[0] and users[-1] < max(users)


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ProfileError, match="smoke"):
        load_profile("no-such-profile")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("name: x\nusers: 0\n", ":2: users: 0 is below the minimum 1"),
        ("name: x\nmix: {app_start: 1, dance: 2}\n", ":2: mix.dance: unknown field"),
        ("name: x\nduration: 10\nstages: [{until: 5, users: 1}]\n", "either duration or stages"),
        ("name: x\nstages:\n  - {until: 5, users: 1}\n  - {until: 5, users: 2}\n", ":4: stages[1].until"),
        ("name: x\nthink: [2, 1]\n", "shorter than the shortest"),
        ("name: x\ncompare: {p95_increase: fast}\n", ":2: compare.p95_increase: expected a number"),
        ("name: x\nmix: {app_start: 0}\n", "at least one action"),
        ("users: 3\n", "missing field 'name'"),
    ],
)
def test_wrong_values_are_located(text: str, where: str) -> None:
    with pytest.raises(ProfileError, match=None) as info:
        parse_profile(text, "p.yaml")
    assert where in str(info.value)
    assert str(info.value).startswith("p.yaml")


def test_overrides_replace_stages_and_keep_each_users_pace() -> None:
    profile = parse_profile("name: x\nusers: 10\narrival_rate: 20\nstages: [{until: 30, users: 4}]\n")
    flat = profile.with_overrides(users=20, duration=5)
    assert flat.stages == () and flat.users == 20 and flat.total_duration == 5
    assert flat.arrival_rate == pytest.approx(40)


def test_json_round_trip() -> None:
    from xmux_sim.load.profile import Profile

    ramp = load_profile("ramp")
    assert Profile.from_json(ramp.to_json()) == ramp


def test_stages_give_users_over_time_and_end() -> None:
    stages = load_profile("spike").stages
    assert users_at(stages, 0) == (stages[0].users, stages[0].spawn_rate)
    assert users_at(stages, stages[0].until) == (stages[1].users, stages[1].spawn_rate)
    assert users_at(stages, stages[-1].until) is None
