"""The XMUX app's request mix against nginx, for locust; run it through `xmux-sim load`.

`xmux-sim load` brings the stack up (or attaches), writes the run's target and profile to a
file named by XMUX_LOAD_CONFIG and starts locust on this file (one process, or a master
and workers). The user is `xmux_sim.load.users.XmuxStudent`; a profile with stages adds
a load shape. Every process appends its requests to the run's records folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from locust import events as locust_events

from xmux_sim.load.config import LoadConfig
from xmux_sim.load.hooks import flush_csv_every_second, last_csv_rows
from xmux_sim.load.records import STARTED, RecordWriter
from xmux_sim.load.shape import shape_class
from xmux_sim.load.users import student_class

config = LoadConfig.from_env()
flush_csv_every_second()
XmuxStudent = student_class(config)
if config.profile.stages:
    ProfileShape = shape_class(config.profile.stages)

_writer: RecordWriter | None = None


def _record(environment: Any, **_: Any) -> None:
    # The master of a distributed run sees no requests; only processes that run users record.
    global _writer
    from locust.runners import MasterRunner

    if isinstance(environment.runner, MasterRunner):
        return
    _writer = RecordWriter(config.records)
    environment.events.request.add_listener(_writer.on_request)
    environment.events.test_stop.add_listener(_writer.flush)
    environment.events.quitting.add_listener(_writer.flush)


def _started(environment: Any, **_: Any) -> None:
    # The run's clock starts here (workers start their users after the master fires this).
    from locust.runners import WorkerRunner

    if not isinstance(environment.runner, WorkerRunner):
        Path(config.records).mkdir(parents=True, exist_ok=True)
        (Path(config.records) / STARTED).touch()


events: Any = locust_events  # locust's event hooks are untyped
events.init.add_listener(_record)
events.test_start.add_listener(_started)
events.quit.add_listener(last_csv_rows)
