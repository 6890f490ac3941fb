"""Typed values that end up in generated configuration or in a service's own calls.

A value a user writes never reaches nginx.conf, BIRD, PostgreSQL, NATS, Prometheus, a
bucket or an SQL statement as the text they wrote: it is read here into a type (a
:class:`Duration`, an identifier matched whole, a bucket name by S3's rules) and the
configuration is rendered from that type by our code. A value that could add a line, a
block or a path component to generated text is refused when the file is read.

Each ``ParamType`` here is used in a :class:`~xmux_sim.params.Param`, like the types of
:mod:`xmux_sim.params`; its ``name`` is what the reference tables print.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from xmux_sim.params import ParamType, shown

__all__ = [
    "ENV",
    "ENV_NAME",
    "HTTP_PATH",
    "IMAGE",
    "MONGO_NAME",
    "NATS_PLACEMENT",
    "NATS_STREAM",
    "NATS_SUBJECT",
    "NATS_SYNC",
    "PG_SYNC_COMMIT",
    "S3_BUCKET",
    "SQL_NAME",
    "Duration",
    "duration",
    "pattern",
]

_DURATION = re.compile(r"(?P<n>\d{1,9})(?P<unit>ms|s|m|h)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


@dataclass(frozen=True, order=True)
class Duration:
    """A span of time in whole milliseconds, rendered the way nginx, Prometheus and Go all read."""

    ms: int

    @classmethod
    def parse(cls, text: str) -> Duration:
        """``500ms``, ``5s``, ``2m``, ``1h``; ValueError otherwise."""
        m = _DURATION.fullmatch(text)
        if m is None:
            raise ValueError(f"expected a duration such as 500ms, 5s, 2m or 1h, got {shown(text)}")
        return cls(int(m["n"]) * _UNIT_MS[m["unit"]])

    @property
    def seconds(self) -> float:
        return self.ms / 1000

    def __str__(self) -> str:
        # "5s" and "1500ms" mean the same to nginx, Prometheus and Go's time.ParseDuration.
        return f"{self.ms // 1000}s" if self.ms % 1000 == 0 else f"{self.ms}ms"


def duration(minimum: str = "0s", maximum: str = "1h") -> ParamType[Duration]:
    """A duration within [minimum, maximum]: text with a unit, or a number of seconds."""
    low, high = Duration.parse(minimum), Duration.parse(maximum)

    def read(value: object) -> Duration:
        if isinstance(value, str):
            d = Duration.parse(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value) or not 0 <= value <= high.seconds:
                raise ValueError(f"{value:g} seconds is out of range; expected {minimum}..{maximum}")
            d = Duration(round(value * 1000))
        else:
            raise ValueError(f"expected a duration such as 5s, got {shown(value)}")
        if not low <= d <= high:
            raise ValueError(f"{d} is out of range; expected {minimum}..{maximum}")
        return d

    return ParamType(f"a duration {minimum}..{maximum} (500ms, 5s, 2m)", read)


def pattern(name: str, regex: str, example: str) -> ParamType[str]:
    """Text that matches ``regex`` whole; ``name`` says what it is in errors and the reference."""
    compiled = re.compile(regex)

    def read(value: object) -> str:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(f"expected {name} (for example {example}), got {shown(value)}")
        return value

    return ParamType(name, read)


SQL_NAME = pattern(
    "an SQL identifier (letters, digits, _; at most 63)", r"[A-Za-z_][A-Za-z0-9_]{0,62}", "xmux"
)
"""PostgreSQL database, user and table names: pasted into SQL, so never quoted text."""
MONGO_NAME = pattern(
    "a MongoDB name (letters, digits, _ and -; at most 63)", r"[A-Za-z_][A-Za-z0-9_-]{0,62}", "xmux"
)
# S3's rules: 3..63 of a-z 0-9 . -, starting and ending with a letter or digit, no "..",
# and not an IP address. No "/", so never a path component.
S3_BUCKET = pattern(
    "an S3 bucket name (3..63 of a-z, 0-9, '.', '-')",
    r"(?!\d{1,3}(\.\d{1,3}){3}$)(?!.*\.\.)(?!.*\.-)(?!.*-\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
    "xmux-sim-writes",
)
NATS_STREAM = pattern(
    "a JetStream stream name (letters, digits, _ and -)", r"[A-Za-z0-9_-]{1,64}", "XMUX_SIM"
)
NATS_SUBJECT = pattern(
    "a NATS subject (dot-separated tokens of letters, digits, _ and -)",
    r"[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,15}",
    "xmux-sim.writes",
)
NATS_PLACEMENT = pattern(
    "a server tag (pod:NAME or node:NAME)", r"(pod|node):[a-z][a-z0-9-]{0,62}", "pod:nats-0"
)
HTTP_PATH = pattern("a URL path (starting with /, no spaces)", r"/[!-~]{0,2047}", "/healthz")
ENV_NAME = pattern("an environment variable name", r"[A-Za-z_][A-Za-z0-9_]{0,127}", "XMUS_PG_DSN")
# [registry[:port]/]name[/name...][:tag][@sha256:digest], as Docker's reference grammar has it.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE = pattern(
    "an image reference",
    rf"(?:[A-Za-z0-9.-]+(?::\d{{1,5}})?/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?",
    "mongo:7",
)


def _env(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"expected a mapping of NAME: value, got {shown(value)}")
    out: dict[str, str] = {}
    for key, item in value.items():
        name = ENV_NAME.read(key)
        if isinstance(item, list | Mapping) or item is None:
            raise ValueError(f"{name}: expected a single value, got {shown(item)}")
        # YAML's true/false become the words a program reads from its environment.
        out[name] = str(item).lower() if isinstance(item, bool) else str(item)
    return out


ENV = ParamType("a mapping of environment variable names to values", _env)

_PG_SYNC = ("on", "off", "local", "remote_write", "remote_apply")


def _pg_sync_commit(value: object) -> str:
    # YAML reads a bare `on` / `off` as true / false: take them as PostgreSQL means them.
    if isinstance(value, bool):
        return "on" if value else "off"
    if not isinstance(value, str) or value not in _PG_SYNC:
        raise ValueError(f"{shown(value)} is not one of: {', '.join(_PG_SYNC)}")
    return value


PG_SYNC_COMMIT = ParamType(" | ".join(_PG_SYNC), _pg_sync_commit)
"""PostgreSQL's synchronous_commit."""

_NATS_SYNC_INTERVAL = duration("1ms", "1h")


def _nats_sync(value: object) -> str | Duration:
    if value in ("default", "always"):
        return str(value)
    try:
        return _NATS_SYNC_INTERVAL.read(value)
    except ValueError:
        raise ValueError(f"expected default, always or a duration such as 2s, got {shown(value)}") from None


NATS_SYNC = ParamType("default | always | a duration 1ms..1h", _nats_sync)
"""JetStream's sync_interval: NATS's default, an fsync per write, or an interval."""
