#!/usr/bin/env python3
"""Prometheus metrics for SecantusDB from serverStatus, on :8088/metrics.

SecantusDB has no Prometheus endpoint and Debian's mongodb exporter (2018) predates the
wire protocol versions it speaks, so this reads the same serverStatus a mongodb exporter
would and renders the usual gauges.
"""

import os

import pymongo
from metrics_http import serve

USER, PASSWORD = os.environ.get("MONGO_USER"), os.environ.get("MONGO_PASSWORD")
CLIENT = pymongo.MongoClient(
    "127.0.0.1", 27017, username=USER, password=PASSWORD, serverSelectionTimeoutMS=1000, directConnection=True
)


def render():
    lines = []
    try:
        status = CLIENT.admin.command("serverStatus")
        lines.append("mongodb_up 1")
    except pymongo.errors.PyMongoError:
        return "mongodb_up 0\n"
    for key, value in (status.get("connections") or {}).items():
        if isinstance(value, (int, float)):
            lines.append(f'mongodb_connections{{state="{key}"}} {value}')
    for key, value in (status.get("opcounters") or {}).items():
        if isinstance(value, (int, float)):
            lines.append(f'mongodb_op_counters_total{{type="{key}"}} {value}')
    if isinstance(status.get("uptime"), (int, float)):
        lines.append(f"mongodb_uptime_seconds {status['uptime']}")
    return "\n".join(lines) + "\n"


serve(render, 8088)
