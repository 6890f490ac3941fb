"""Pod faults: kill, stop, start, pause, unpause, a power cut, and the loss of a pod's disk.

They act on the app container only. The holder keeps the pod's IP, routes and published
ports, as a Kubernetes pod keeps its sandbox while a container in it crashes and restarts.
"""

from __future__ import annotations

import docker.errors

from xmux_sim.faults.base import FaultError, State
from xmux_sim.providers.docker import lazy
from xmux_sim.providers.docker.faults.core import DockerFault, status_of

STOPPED = ("exited", "created", "dead")


class PodLifecycle(DockerFault):
    """kill / stop / start / pause / unpause. Heal undoes kill, stop and pause."""

    implements = ("kill", "stop", "start", "pause", "unpause")

    def _prepare(self) -> State:
        pod = self.targets.pod(self.spec.params["pod"])
        status = status_of(pod.app)
        wanted = {
            "kill": ("running",),
            "stop": ("running",),
            "pause": ("running",),
            "start": STOPPED,
            "unpause": ("paused",),
        }[self.spec.kind]
        if status not in wanted:
            raise FaultError(f"cannot {self.spec.kind} {pod.name}: its app is {status}")
        return {"app": pod.app.name, "holder": pod.holder.name}

    def _apply(self, state: State) -> None:
        app = self.container(state["app"])
        try:
            match self.spec.kind:
                case "kill":
                    app.kill()
                case "stop":
                    app.stop(timeout=10)
                case "start":
                    app.start()
                case "pause":
                    app.pause()
                case "unpause":
                    app.unpause()
        except docker.errors.APIError as exc:
            raise FaultError(f"{self.spec.describe()}: {exc.explanation or exc}") from None

    def _revert(self, state: State) -> None:
        app = self.targets.container(state["app"])
        if app is None or self.spec.kind in ("start", "unpause"):
            return
        status = status_of(app)
        if status == "paused":
            app.unpause()
        elif status in STOPPED:
            start_app(app, state["holder"], self)


class PowerOff(DockerFault):
    """power-off / lose-unsynced: the pod's power is cut; heal powers it on again.

    On a lazy volume the FUSE layer is the app container's PID 1, so the cut takes it with
    the program and whatever was not fsynced is gone (lose-unsynced: only one file's, or a
    seeded share of the pages). A plain volume's writes sit in the host's page cache, which
    no container's death touches: there power-off is a kill, and the event says so.
    """

    implements = ("power-off", "lose-unsynced")

    def _prepare(self) -> State:
        pod = self.targets.pod(self.spec.params["pod"])
        if status_of(pod.app) != "running":
            raise FaultError(f"cannot {self.spec.kind} {pod.name}: its app is {pod.app.status}")
        on_lazy = lazy.is_lazy(pod.app)
        if self.spec.kind == "lose-unsynced" and not on_lazy:
            raise FaultError(
                f"cannot lose-unsynced {pod.name}: its volume is not lazy (give its service "
                "`durability: lazy` in the stack file)"
            )
        return {
            "app": pod.app.name,
            "holder": pod.holder.name,
            "pod": pod.name,
            "lazy": on_lazy,
            "volume": lazy.has_volume(pod.app),
        }

    def _apply(self, state: State) -> None:
        app = self.container(state["app"])
        pod = state["pod"]
        if not state["lazy"]:
            app.kill()
            if state["volume"]:
                self.unsynced[pod] = None
            return
        params = self.spec.params
        loss: dict[str, object] = {}
        if self.spec.kind == "lose-unsynced":
            loss = {"path": params.get("path"), "seed": params["seed"], "fraction": params["fraction"]}
        try:
            self.unsynced[pod] = lazy.power_off(app, **loss)
        except lazy.LazyVolumeError as exc:
            raise FaultError(f"{self.spec.describe()}: {exc}") from None

    def _revert(self, state: State) -> None:
        app = self.targets.container(state["app"])
        if app is not None and status_of(app) in STOPPED:
            start_app(app, state["holder"], self)


class WipeVolume(DockerFault):
    """The pod's disk is lost: the app dies, its data volume is emptied, the app restarts on it
    at once, or (``restart: at-heal``) when the fault heals.

    Emptying the volume in place is the same to the app as a fresh volume, and unlike
    swapping volumes it needs no re-creation of the app container (whose config files
    were copied in at start).
    """

    implements = ("wipe-volume",)

    def _prepare(self) -> State:
        pod = self.targets.pod(self.spec.params["pod"])
        mounts = [m for m in pod.app.attrs.get("Mounts", []) if m.get("Type") == "volume"]
        if not mounts:
            raise FaultError(f"{pod.name} has no data volume to wipe")
        return {"app": pod.app.name, "holder": pod.holder.name, "volume": mounts[0]["Name"]}

    def _apply(self, state: State) -> None:
        app = self.container(state["app"])
        if status_of(app) in ("running", "paused"):
            app.kill()
        app.wait(timeout=30)
        try:
            self.client.containers.run(
                self.targets.pod_image,
                entrypoint=["sh", "-c", "find /wipe -mindepth 1 -delete"],
                volumes={state["volume"]: {"bind": "/wipe", "mode": "rw"}},
                network_mode="none",
                labels=self.tool_labels("fault-tool"),
                remove=True,
            )
        except docker.errors.ContainerError as exc:
            raise FaultError(f"wiping volume {state['volume']} failed: {exc}") from None
        # A replica back on an empty disk in under a second can fall between two scrapes;
        # at-heal keeps it away for the fault's duration, which the scenario chooses.
        if self.spec.params["restart"] == "at-once":
            start_app(app, state["holder"], self)

    def _revert(self, state: State) -> None:
        # The data stays lost (the replica must rebuild); healing only makes sure the pod runs.
        app = self.targets.container(state["app"])
        if app is not None and status_of(app) in STOPPED:
            start_app(app, state["holder"], self)


def start_app(app: docker.models.containers.Container, holder: str, fault: DockerFault) -> None:
    """Start an app container again; its pod's holder must run (a power fault may hold it down)."""
    owner = fault.targets.container(holder)
    if owner is None or status_of(owner) != "running":
        raise FaultError(
            f"{fault.spec.describe()}: cannot restart {app.name} while its pod holder is down; "
            "heal the node fault first (`xmux-sim heal --all`)"
        )
    try:
        app.start()
    except docker.errors.APIError as exc:
        raise FaultError(
            f"{fault.spec.describe()}: restarting {app.name}: {exc.explanation or exc}"
        ) from None
