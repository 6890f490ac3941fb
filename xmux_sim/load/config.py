"""What the locust processes need to know, handed over in one JSON file named by an environment variable.

The runner writes it; the locustfile (in the master and in every worker) reads it. Only
addresses on 127.0.0.1 are accepted: load goes to the stack's published ports and nowhere else.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from xmux_sim.errors import XmuxSimError
from xmux_sim.load.profile import Profile
from xmux_sim.providers.base import Run

__all__ = ["ENV", "LoadConfig", "Target", "target_of"]

ENV = "XMUX_LOAD_CONFIG"


@dataclass(frozen=True)
class Target:
    """nginx's published ports of one run, and the seed its XMUS services were loaded with."""

    h2c: str
    """host:port of the cleartext HTTP/2 port (gRPC)."""
    http: str
    """Base URL of the HTTP/1.1 port (REST v2, /v4/oss)."""
    seed: int
    size: str

    def check_local(self) -> None:
        for addr in (self.h2c, self.http.removeprefix("http://")):
            host = addr.rsplit(":", 1)[0]
            if host not in ("127.0.0.1", "localhost"):
                raise XmuxSimError(f"load goes only to this machine's published ports; refusing {addr}")


def target_of(run: Run) -> Target:
    """The target of a run: nginx's ports, and the seed from an XMUS pod's environment."""
    ep = run.endpoint("nginx")
    seed, size = 1, "small"
    for name, endpoints in run.endpoints.items():
        if endpoints and endpoints[0].kind.startswith("xmus-"):
            values = run.environment(name)
            seed, size = int(values.get("XMUS_SEED", seed)), values.get("XMUS_SIZE", size)
            break
    if "h2c" not in ep.ports:
        raise XmuxSimError(f"run {run.run_id}: nginx publishes no h2c port; the load test needs it")
    return Target(h2c=ep.address("h2c"), http=f"http://{ep.address('http')}", seed=seed, size=size)


@dataclass(frozen=True)
class LoadConfig:
    target: Target
    profile: Profile
    records: str
    """Folder where every locust process writes its requests."""
    seed: int = 0
    """Chooses students and actions; the same seed, the same students per user slot."""

    def write(self, path: Path) -> Path:
        data = {
            "target": self.target.__dict__,
            "profile": self.profile.to_json(),
            "records": self.records,
            "seed": self.seed,
        }
        path.write_text(json.dumps(data, indent=1))
        return path

    @classmethod
    def read(cls, path: str | Path) -> LoadConfig:
        data = json.loads(Path(path).read_text())
        return cls(
            target=Target(**data["target"]),
            profile=Profile.from_json(data["profile"]),
            records=data["records"],
            seed=int(data["seed"]),
        )

    @classmethod
    def from_env(cls) -> LoadConfig:
        path = os.environ.get(ENV)
        if not path:
            raise XmuxSimError(f"{ENV} is not set: run the locustfile through `xmux-sim load`")
        return cls.read(path)
