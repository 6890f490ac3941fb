"""Workloads that record: clients for each store and for the API, writing a history."""

from __future__ import annotations

from xmux_sim.workload.api import ApiBurst, ForumPost
from xmux_sim.workload.base import ClientContext, Indeterminate, Refused, WorkloadClient
from xmux_sim.workload.stores import HttpGet, JetStreamPublish, MinioPut, MongoInsert, SqlInsert

CLIENT_CLASSES: dict[str, type[WorkloadClient]] = {
    "sql-insert": SqlInsert,
    "mongo-insert": MongoInsert,
    "jetstream-publish": JetStreamPublish,
    "minio-put": MinioPut,
    "http-get": HttpGet,
    "api-burst": ApiBurst,
    "forum-post": ForumPost,
}

__all__ = ["CLIENT_CLASSES", "ClientContext", "Indeterminate", "Refused", "WorkloadClient"]
