"""The locust gRPC user against a small gRPC server here: each RPC under its method name, each
failure under its status and reason. Locust runs in its own process (it monkey-patches the
standard library for gevent), the server in this one.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest

from xmux_sim.xmus.errors import DETAILS_KEY, XmusError
from xmux_sim.xmus.protos import aaos_pb2, aaos_pb2_grpc

LOCUSTFILE = """
    import os

    import grpc
    from locust import constant, events, task

    from xmux_sim.load.grpc_user import GrpcUser
    from xmux_sim.load.hooks import last_csv_rows
    from xmux_sim.xmus.protos import aaos_pb2

    events.quit.add_listener(last_csv_rows)


    class Student(GrpcUser):
        grpc_target = os.environ["TARGET"]
        wait_time = constant(0.05)

        @task
        def open_app(self) -> None:
            aaos = self.grpc.stubs.aaos
            for call, req in (
                (aaos.GetTimetable, aaos_pb2.GetTimetableReq()),
                (aaos.GetExams, aaos_pb2.GetExamsReq()),
                (aaos.GetCourses, aaos_pb2.GetCoursesReq()),
            ):
                try:
                    call(req, timeout=5)
                except grpc.RpcError:
                    pass
"""


class FakeAaos(aaos_pb2_grpc.AAOSServicer):
    def GetTimetable(self, request: Any, context: Any) -> Any:
        return aaos_pb2.Timetable(session="2024/04")

    def GetExams(self, request: Any, context: Any) -> Any:
        error = XmusError(503, "DEPENDENCY_UNAVAILABLE", "mongo does not answer")
        context.abort_with_status(_Status(error))

    def GetCourses(self, request: Any, context: Any) -> Any:
        context.abort(grpc.StatusCode.UNAVAILABLE, "upstream connect error")


class _Status(grpc.Status):
    def __init__(self, error: XmusError) -> None:
        self.code = error.grpc_code
        self.details = error.message
        self.trailing_metadata = ((DETAILS_KEY, error.status_details()),)


@pytest.fixture
def server() -> Iterator[str]:
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    aaos_pb2_grpc.add_AAOSServicer_to_server(FakeAaos(), srv)
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
            *("-u", "2", "-r", "2", "-t", "2s", "--csv", str(prefix), "--exit-code-on-error", "0"),
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
