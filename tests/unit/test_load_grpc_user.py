"""The locust gRPC user against a small gRPC server here: each RPC under its method name, each
failure under its status and reason, a server stream as one request lasting until its end.
Locust runs in its own process (it monkey-patches the standard library for gevent), the
server in this one.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest

from xmux_sim.xmus.errors import DETAILS_KEY, XmusError
from xmux_sim.xmus.protos.xmux.core.aaos.v4 import aaos_pb2, aaos_pb2_grpc
from xmux_sim.xmus.protos.xmux.xia.v4 import xia_pb2, xia_pb2_grpc

STREAM_PAUSE_S = 0.1
PIECES = 3

LOCUSTFILE = """
    import os

    import grpc
    from locust import constant, events, task

    from google.protobuf.empty_pb2 import Empty

    from xmux_sim.load.grpc_user import GrpcUser
    from xmux_sim.load.hooks import last_csv_rows
    from xmux_sim.xmus.protos.xmux.xia.v4 import xia_pb2

    events.quit.add_listener(last_csv_rows)


    class Student(GrpcUser):
        grpc_target = os.environ["TARGET"]
        wait_time = constant(0.05)

        @task
        def open_app(self) -> None:
            aaos = self.grpc.stubs.aaos
            for call in (aaos.GetTimetable, aaos.GetExams, aaos.GetCourses):
                try:
                    call(Empty(), timeout=5)
                except grpc.RpcError:
                    pass
            for text in ("hello", "fail"):
                request = xia_pb2.ChatReq(messages=[xia_pb2.Message(contents=[xia_pb2.Content(text=text)])])
                try:
                    assert len(list(self.grpc.stubs.xia.ChatStream(request, timeout=5))) == 3
                except grpc.RpcError:
                    pass
"""


class FakeAaos(aaos_pb2_grpc.AAOSServicer):
    def GetTimetable(self, request: Any, context: Any) -> Any:
        return aaos_pb2.Timetable(classes=[aaos_pb2.Timetable.Class(cid="SOF202")])

    def GetExams(self, request: Any, context: Any) -> Any:
        error = XmusError(503, "DEPENDENCY_UNAVAILABLE", "mongo does not answer")
        context.abort_with_status(_Status(error))

    def GetCourses(self, request: Any, context: Any) -> Any:
        context.abort(grpc.StatusCode.UNAVAILABLE, "upstream connect error")


class FakeXia(xia_pb2_grpc.XiaServicer):
    """Three pieces with pauses between; "fail" ends with an error status after them."""

    def ChatStream(self, request: Any, context: Any) -> Iterator[Any]:
        for i in range(PIECES):
            if i:
                time.sleep(STREAM_PAUSE_S)
            yield xia_pb2.ChatResp(id=str(i))
        if request.messages[0].contents[0].text == "fail":
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "model overloaded")


class _Status(grpc.Status):
    def __init__(self, error: XmusError) -> None:
        self.code = error.grpc_code
        self.details = error.message
        self.trailing_metadata = ((DETAILS_KEY, error.status_details()),)


@pytest.fixture
def server() -> Iterator[str]:
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    aaos_pb2_grpc.add_AAOSServicer_to_server(FakeAaos(), srv)
    xia_pb2_grpc.add_XiaServicer_to_server(FakeXia(), srv)
    port = srv.add_insecure_port("127.0.0.1:0")
    srv.start()
    yield f"127.0.0.1:{port}"
    srv.stop(grace=None)


def test_each_rpc_is_reported_by_method_and_each_failure_by_status_and_reason(
    server: str, tmp_path: Path
) -> None:
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text(textwrap.dedent(LOCUSTFILE))
    prefix = tmp_path / "out"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--only-summary"),
            *("-u", "2", "-r", "2", "-t", "4s", "--csv", str(prefix), "--exit-code-on-error", "0"),
        ],
        env={**os.environ, "TARGET": server},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with Path(f"{prefix}_stats.csv").open(newline="") as f:
        stats = {r["Name"]: r for r in csv.DictReader(f)}
    for name in ("AAOS/GetTimetable", "AAOS/GetExams", "AAOS/GetCourses"):
        assert stats[name]["Type"] == "grpc"
        assert int(stats[name]["Request Count"]) > 0
    assert int(stats["AAOS/GetTimetable"]["Failure Count"]) == 0
    assert stats["AAOS/GetExams"]["Failure Count"] == stats["AAOS/GetExams"]["Request Count"]
    with Path(f"{prefix}_failures.csv").open(newline="") as f:
        failures = {r["Name"]: r["Error"] for r in csv.DictReader(f)}
    assert "UNAVAILABLE DEPENDENCY_UNAVAILABLE" in failures["AAOS/GetExams"]
    assert "UNAVAILABLE: upstream connect error" in failures["AAOS/GetCourses"]
    assert "AAOS/GetTimetable" not in failures
    # A stream is one request that lasts until its last piece (two pauses).
    assert int(stats["Xia/ChatStream"]["Request Count"]) > 0
    assert float(stats["Xia/ChatStream"]["Min Response Time"]) >= 1000 * STREAM_PAUSE_S * (PIECES - 1) * 0.9
    assert "RESOURCE_EXHAUSTED: model overloaded" in failures["Xia/ChatStream"]
