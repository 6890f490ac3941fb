"""Typed configuration values: what they accept, and how we render them into configuration."""

from __future__ import annotations

import pytest

from xmux_sim.values import ENV, IMAGE, NATS_SYNC, PG_SYNC_COMMIT, S3_BUCKET, Duration, duration


@pytest.mark.parametrize(
    ("written", "ms", "rendered"),
    [
        ("500ms", 500, "500ms"),
        ("5s", 5000, "5s"),
        ("2m", 120_000, "120s"),
        ("1h", 3_600_000, "3600s"),
        (1.5, 1500, "1500ms"),
        (0, 0, "0s"),
    ],
)
def test_a_duration_is_read_once_and_rendered_by_us(written: object, ms: int, rendered: str) -> None:
    d = duration("0s", "1h").read(written)
    assert d == Duration(ms) and str(d) == rendered


@pytest.mark.parametrize("written", ["5", "5 s", "5S", "-1s", "1d", "5s\n", True, [5], float("nan"), 3601])
def test_a_duration_refuses_anything_else(written: object) -> None:
    with pytest.raises(ValueError):
        duration("0s", "1h").read(written)


@pytest.mark.parametrize("name", ["xmux", "xmux-sim-writes", "a.b-c", "abc", "a" * 63])
def test_s3_bucket_names_that_s3_accepts(name: str) -> None:
    assert S3_BUCKET.read(name) == name


@pytest.mark.parametrize(
    "name", ["ab", "a" * 64, "-abc", "abc-", "a..b", "a.-b", "ABC", "a/b", "10.0.0.1", "a_b"]
)
def test_s3_bucket_names_that_s3_refuses(name: str) -> None:
    with pytest.raises(ValueError, match="S3 bucket name"):
        S3_BUCKET.read(name)


def test_environment_values_become_the_words_a_program_reads() -> None:
    assert ENV.read({"A": True, "B": 3, "C": "x y"}) == {"A": "true", "B": "3", "C": "x y"}


def test_yaml_booleans_mean_what_postgresql_means_by_on_and_off() -> None:
    assert [PG_SYNC_COMMIT.read(v) for v in (True, False, "remote_apply")] == ["on", "off", "remote_apply"]


def test_nats_sync_is_a_word_or_a_duration() -> None:
    assert NATS_SYNC.read("always") == "always" and str(NATS_SYNC.read("2m")) == "120s"


@pytest.mark.parametrize(
    "ref", ["mongo", "mongo:7", "ghcr.io/owner/lost-and-found:v1.2", "localhost:5000/a/b@sha256:" + "0" * 64]
)
def test_image_references(ref: str) -> None:
    assert IMAGE.read(ref) == ref
