"""MongoDB's role: SecantusDB or FerretDB (wire-compatible stand-ins) here, or the official image.

All are reached with the same pymongo client code; which one ran is the service's
``flavour`` and is shown in status and reports.

Two users per run: ``xmux``, root in ``admin`` (the harness and the stand-ins), and
``xmus``, the database's own user, made in the configured database itself, as the real
lost-and-found expects (it authenticates against ``DB_NAME``). SecantusDB and the official
image give it ``readWrite`` on that database; FerretDB 1.x cannot grant roles (it refuses
any but none, and lets every authenticated user do everything), so there it has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pymongo
import pymongo.errors

from xmux_sim.errors import StartupFailed, Unsupported
from xmux_sim.services.base import Endpoint, PodPlan, ProbeFailed, ServiceRuntime, StackPlan, new_secret
from xmux_sim.topology.model import Service

FLAVOUR_IMAGES = {"secantusdb": "mongo", "ferretdb": "ferretdb"}
APP_USER = "xmus"
USER_EXISTS = 51003


class MongoRuntime(ServiceRuntime):
    data_dir = "/var/lib/xmux/mongo"
    startup_timeout = 90.0

    def image_name(self, service: Service) -> str:
        # Asked before anything of a run is created, so a stack it cannot run starts nothing.
        refuse_replica_set(service)
        return FLAVOUR_IMAGES.get(service.flavour or "secantusdb", "mongo")

    def credentials(self, service: Service) -> dict[str, str]:
        return {
            "user": "xmux",
            "password": new_secret(),
            "database": str(service.config["database"]),
            "app_user": APP_USER,
            "app_password": new_secret(),
        }

    def environment(self, pod: PodPlan, credentials: Mapping[str, str], plan: StackPlan) -> dict[str, str]:
        refuse_replica_set(pod.service)
        user, password = credentials["user"], credentials["password"]
        # The stand-ins read MONGO_*; the official image reads MONGO_INITDB_ROOT_*.
        return {
            "MONGO_USER": user,
            "MONGO_PASSWORD": password,
            "MONGO_INITDB_ROOT_USERNAME": user,
            "MONGO_INITDB_ROOT_PASSWORD": password,
        }

    @staticmethod
    def url(ep: Endpoint) -> str:
        c = ep.credentials
        return f"mongodb://{c['user']}:{c['password']}@{ep.address('wire')}/?authSource=admin"

    def probe(self, ep: Endpoint) -> None:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            self.url(ep), serverSelectionTimeoutMS=2000, connectTimeoutMS=2000, directConnection=True
        )
        try:
            # An authenticated command, so a server that accepts any credentials is not "ready".
            reply = client[ep.credentials["database"]].command("ping")
            client[ep.credentials["database"]].list_collection_names()
        except pymongo.errors.PyMongoError as exc:
            raise ProbeFailed(f"mongo: {str(exc)[:200]}") from None
        finally:
            client.close()
        if reply.get("ok") != 1:
            raise ProbeFailed(f"mongo: ping answered {reply}")

    def after_ready(self, ep: Endpoint, service: Service) -> None:
        """The database's own user (idempotent: a second call sets its password again)."""
        c = ep.credentials
        roles: list[Any] = (
            [] if service.flavour == "ferretdb" else [{"role": "readWrite", "db": c["database"]}]
        )
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            self.url(ep), serverSelectionTimeoutMS=10_000, directConnection=True
        )
        try:
            db = client[c["database"]]
            try:
                db.command("createUser", c["app_user"], pwd=c["app_password"], roles=roles)
            except pymongo.errors.OperationFailure as exc:
                if exc.code != USER_EXISTS:
                    raise
                db.command("updateUser", c["app_user"], pwd=c["app_password"])
        except pymongo.errors.PyMongoError as exc:
            raise StartupFailed(f"{ep.service}: could not create user {c['app_user']!r}: {exc}") from None
        finally:
            client.close()

    def describe(self, ep: Endpoint, service: Service) -> dict[str, Any]:
        return {"url": self.url(ep), "database": ep.credentials.get("database")}


def refuse_replica_set(service: Service) -> None:
    """Several replicas need a replica set, which only a real mongod forms."""
    if service.replicas == 1:
        return
    flavour = service.flavour or "secantusdb"
    if flavour != "official":
        raise Unsupported(
            f"{service.name}: {service.replicas} replicas need a MongoDB replica set, and the "
            f"{flavour!r} flavour is a wire-compatible stand-in that cannot form one (no mongod can be "
            "installed here). The replica set needs the official mongo image (`flavour: official`, "
            "where a registry is reachable); otherwise run it with `replicas: 1`."
        )
    # Never checked against a real mongod here (no registry): refused rather than shipped untested.
    raise Unsupported(
        f"{service.name}: a replica set of the official mongo image is not wired up yet (keyfile, "
        "rs.initiate, majority write concern); run it with `replicas: 1`."
    )
