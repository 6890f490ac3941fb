"""The ``docker`` that kind runs: the real one, with our labels and, where needed, without
``--privileged``.

kind drives the engine through the docker command line. The provider puts a small script
named ``docker`` first on kind's PATH that calls :func:`main`, which execs the real docker
with the arguments adjusted:

- ``docker run`` (a node container) gets the run's labels, so the reaper, `down` and
  `down --all` find kind's containers the way they find the docker provider's, and the
  labels of the stack node the container is (XMUX_KIND_NODES: container name -> labels);
- where the engine refuses ``--privileged`` (XMUX_KIND_UNPRIVILEGED=1), ``run --privileged``
  becomes every capability but CAP_SYS_RESOURCE plus the devices and mounts a node needs,
  and ``exec --privileged`` loses the flag (the exec then has the container's capabilities).

Everything else passes through unchanged, so kind behaves as it does anywhere else.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence

__all__ = ["NODE_IP", "UNPRIVILEGED_ARGS", "main", "rewrite", "script"]

NODE_IP = "xmux-sim.node-ip"
"""The label holding a node's address on the node network (also given to docker as --ip)."""

UNPRIVILEGED_ARGS = (
    "--cap-add=ALL",
    "--cap-drop=SYS_RESOURCE",
    "--security-opt=systempaths=unconfined",
    "--device-cgroup-rule=a *:* rwm",
    "--device=/dev/kmsg",
    "--device=/dev/fuse",
)
"""What stands in for --privileged where the host's bounding set lacks CAP_SYS_RESOURCE."""


def _value_of(args: Sequence[str], flag: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return None


def rewrite(args: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """The arguments for the real docker, given kind's (without the program name)."""
    if not args:
        return list(args)
    command, rest = args[0], list(args[1:])
    unprivileged = env.get("XMUX_KIND_UNPRIVILEGED") == "1"
    if command == "run":
        labels: dict[str, str] = json.loads(env.get("XMUX_KIND_LABELS", "{}"))
        nodes: dict[str, dict[str, str]] = json.loads(env.get("XMUX_KIND_NODES", "{}"))
        name = _value_of(rest, "--name")
        if name is not None:
            labels = {**labels, **nodes.get(name, {})}
        extra = [f"--label={k}={v}" for k, v in sorted(labels.items())]
        if NODE_IP in labels:
            # A fixed address: a node cut off by a fault rejoins the network with it.
            extra.append(f"--ip={labels[NODE_IP]}")
        if unprivileged and "--privileged" in rest:
            rest = [a for a in rest if a != "--privileged"]
            extra.extend(UNPRIVILEGED_ARGS)
        return [command, *extra, *rest]
    if command == "exec" and unprivileged:
        return [command, *(a for a in rest if a != "--privileged")]
    return [command, *rest]


def script(python: str, package_root: str) -> str:
    """The text of the ``docker`` script the provider writes for kind."""
    return (
        f"#!{python}\n"
        "import sys\n"
        f"sys.path.insert(0, {package_root!r})\n"
        "from xmux_sim.providers.kind.docker_shim import main\n"
        "main()\n"
    )


def main() -> None:
    real = os.environ.get("XMUX_KIND_DOCKER", "/usr/bin/docker")
    args = rewrite(sys.argv[1:], os.environ)
    os.execv(real, [real, *args])
