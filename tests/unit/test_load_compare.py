"""--compare: worse beyond the thresholds fails, equal passes, noise on fast calls does not."""

from __future__ import annotations

import copy
from typing import Any

from xmux_sim.load.compare import compare
from xmux_sim.load.profile import Compare

T = Compare(p95_increase=0.25, throughput_decrease=0.1, error_rate_increase=0.01, min_requests=20)


def summary(
    rps: float = 100.0, p95: float = 50.0, error_rate: float = 0.0, requests: int = 500
) -> dict[str, Any]:
    return {
        "total": {"rps": rps, "error_rate": error_rate},
        "calls": {
            "grpc AAOS/GetExams": {"requests": requests, "p95_ms": p95},
            "grpc User/GetProfile": {"requests": requests, "p95_ms": 2.0},
        },
    }


def test_an_equal_run_passes() -> None:
    base = summary()
    result = compare(copy.deepcopy(base), base, T)
    assert result.ok
    assert {r.verdict for r in result.rows} == {"ok"}


def test_a_clearly_better_baseline_fails_the_run() -> None:
    result = compare(summary(), summary(rps=200.0, p95=10.0), T)
    assert not result.ok
    worse = {(r.what, r.metric) for r in result.regressions}
    assert worse == {("all calls", "requests/s"), ("grpc AAOS/GetExams", "p95 ms")}


def test_within_thresholds_passes() -> None:
    assert compare(summary(rps=92.0, p95=62.0), summary(), T).ok


def test_an_error_rate_increase_fails() -> None:
    result = compare(summary(error_rate=0.05), summary(), T)
    assert [(r.metric, r.verdict) for r in result.regressions] == [("error rate", "worse")]


def test_sub_millisecond_noise_on_fast_calls_does_not_fail() -> None:
    current = summary()
    current["calls"]["grpc User/GetProfile"]["p95_ms"] = 3.5  # +75 %, but only 1.5 ms
    assert compare(current, summary(), T).ok


def test_calls_with_few_requests_or_on_one_side_are_not_judged() -> None:
    current = summary(requests=5, p95=500.0)
    current["calls"]["grpc Forum/CreatePost"] = {"requests": 50, "p95_ms": 10.0}
    result = compare(current, summary(), T)
    verdicts = {r.what: r.verdict for r in result.rows}
    assert verdicts["grpc AAOS/GetExams"].startswith("not judged")
    assert verdicts["grpc Forum/CreatePost"] == "not judged (only in this run)"
    assert result.ok
    assert result.to_json()["ok"] is True
