"""A student using the XMUX app, as a locust user (DESIGN.md section 1).

On start it logs in once and fires the five app-start calls at once. Then, weighted by the
profile's mix, it reopens the app (the burst again), browses the Community tab (GetThreads,
GetProfile for each author it has not seen, GetPosts of one thread), browses lost and found
(GetBriefs, then GetDetail of one brief), now and then writes (a reply, a like, or a found
item), fetches an object from ``/v4/oss/``, or calls the old ``/v2/`` API.

Students come from the run's seed data, so every call is valid: an error in the results
is the stack's, never the load generator's.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, ClassVar

import gevent  # type: ignore[import-untyped]
import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from locust import between
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

from xmux_sim.load.config import LoadConfig
from xmux_sim.load.grpc_user import GrpcUser
from xmux_sim.load.pacing import Pacer
from xmux_sim.xmus import client, seed
from xmux_sim.xmus.protos import forum_pb2, lost_found_pb2, user_pb2

__all__ = ["XmuxStudent", "student_class"]

# Every seeded timestamp is before this: a page read `before` it sees seeded data first.
SEED_END = Timestamp(seconds=int((seed.EPOCH + seed.SPAN).timestamp()))
WRITES = ("reply", "like", "item")


class XmuxStudent(GrpcUser):
    """One student with the app open. ``config`` is set by `student_class` (from the runner's file)."""

    abstract = True
    config: ClassVar[LoadConfig]
    _slots: ClassVar[Iterator[int]]

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        cfg = self.config
        profile = cfg.profile
        self.slot = next(self._slots)
        # The worker's index keeps users of different worker processes on different students.
        worker = getattr(environment.runner, "worker_index", 0) or 0
        self.rng = random.Random(f"{cfg.seed}:{worker}:{self.slot}")
        self.student = self.rng.choice(seed.students(cfg.target.seed, cfg.target.size))
        self.md = client.auth_metadata(self.student.campus_id, self.student.password)
        self.timeout = profile.timeout
        self.seen_authors: set[str] = {self.student.campus_id}
        self.threads, _ = seed.forum(cfg.target.seed, cfg.target.size)
        self.objects = [name for name, _, _ in seed.objects(cfg.target.seed, cfg.target.size)]
        self.writes = 0
        self.v2_calls = 0
        # A tour first does every action of the mix once (a smoke run sees every call), then by weight.
        actions = [a for a, w in profile.mix.items() if w > 0]
        turn = self.slot % len(actions)
        self.tour = actions[turn:] + actions[:turn] if profile.tour else []
        self.http = FastHttpSession(
            base_url=cfg.target.http,
            request_event=environment.events.request,
            user=self,
            network_timeout=self.timeout,
            connection_timeout=self.timeout,
        )
        self.pacer: Pacer | None = None
        if profile.arrival_rate is not None:
            period = profile.peak_users / profile.arrival_rate
            self.pacer = Pacer(period, phase_s=self.rng.uniform(0, period))
        self._think = between(*profile.think)

    # ----- pacing -------------------------------------------------------------------------------

    def wait_time(self) -> float:
        if self.pacer is not None:
            return self.pacer.wait()
        return float(self._think(self))

    def context(self) -> dict[str, Any]:
        lag = self.pacer.lag_s if self.pacer is not None else 0.0
        return {"lag_ms": lag * 1000}

    def execute_action(self, action: Any) -> None:
        # Called by locust around each task (see `student_class`): the action's lag is fixed here.
        if self.pacer is not None:
            self.pacer.start()
        if self.tour:
            action = getattr(XmuxStudent, self.tour.pop(0))
        action(self)

    # ----- the app ------------------------------------------------------------------------------

    def on_start(self) -> None:
        with self._calls():
            self.call(self.grpc.stubs.user.Login, user_pb2.LoginReq())
        self.app_start()

    def app_start(self) -> None:
        """The five calls the app fires at once when it opens."""
        calls = client.app_start_calls(self.grpc.stubs)
        greenlets = [gevent.spawn(self._quiet, method, req) for method, req in calls]
        gevent.joinall(greenlets)

    def community(self) -> None:
        forum = self.grpc.stubs.forum
        with self._calls():
            page = self.call(
                forum.GetThreads, forum_pb2.GetThreadsReq(forum_id=self.rng.randint(1, 5), limit=10)
            )
            for thread in page.threads:
                if thread.author not in self.seen_authors:
                    self.seen_authors.add(thread.author)
                    self.call(
                        self.grpc.stubs.user.GetProfile, user_pb2.GetProfileReq(campus_id=thread.author)
                    )
            if page.threads:
                opened = self.rng.choice(page.threads)
                self.call(forum.GetPosts, forum_pb2.GetPostsReq(thread_id=opened.id))

    def lost_found(self) -> None:
        lf = self.grpc.stubs.lost_found
        with self._calls():
            page = self.call(lf.GetBriefs, lost_found_pb2.GetBriefsReq(before=SEED_END))
            if page.briefs:
                brief = self.rng.choice(page.briefs)
                self.call(lf.GetDetail, lost_found_pb2.GetDetailReq(id=brief.id))

    def write(self) -> None:
        """In turn a reply, a like, or a found item (added, then deleted when its owner claimed it)."""
        forum = self.grpc.stubs.forum
        thread = self.rng.choice(self.threads)
        kind = WRITES[(self.slot + self.writes) % len(WRITES)]
        self.writes += 1
        with self._calls():
            if kind == "reply":
                body = f"load reply from {self.student.name}"
                self.call(forum.CreatePost, forum_pb2.CreatePostReq(thread_id=thread.id, body=body))
            elif kind == "like":
                self.call(forum.LikeThread, forum_pb2.LikeThreadReq(thread_id=thread.id))
            else:
                self._item()

    def _item(self) -> None:
        lf = self.grpc.stubs.lost_found
        item = lost_found_pb2.AddItemReq(
            type=lost_found_pb2.FOUND,
            name=self.rng.choice(seed.THINGS).title(),
            location=self.rng.choice(seed.PLACES),
            description="found during a load test",
        )
        added = self.call(lf.AddItem, item)
        # Deleting it again keeps the collection the size the seed made, however long the run.
        self.call(lf.DeleteItem, lost_found_pb2.DeleteItemReq(id=added.id))

    def oss(self) -> None:
        name = self.rng.choice(self.objects)
        self.http.get(f"/v4/oss/{name}", name="/v4/oss/{biz}/{name}")

    def v2(self) -> None:
        """The old REST API: the homepage news, and every fourth time its health check."""
        self.v2_calls += 1
        if self.v2_calls % 4 == 1:
            self.http.get("/test", name="/test")
        self.http.get("/v2/homepage/news", name="/v2/homepage/news")

    def on_stop(self) -> None:
        self.http.client.close()
        super().on_stop()

    # ----- helpers ------------------------------------------------------------------------------

    def call(self, method: Any, request: Any) -> Any:
        """A call as the app makes it: the student's basic auth, the profile's deadline."""
        return method(request, metadata=self.md, timeout=self.timeout)

    def _quiet(self, method: Any, request: Any) -> None:
        with self._calls():
            self.call(method, request)

    @contextmanager
    def _calls(self) -> Iterator[None]:
        """A failed call ends the action; it was reported already, so it is not an exception here."""
        with suppress(grpc.RpcError):
            yield


def student_class(config: LoadConfig) -> type[XmuxStudent]:
    """The concrete user class for a run: target, pacing and the profile's weighted actions."""
    weights = {name: w for name, w in config.profile.mix.items() if w > 0}

    def action(name: str) -> Any:
        method = getattr(XmuxStudent, name)

        def task(user: XmuxStudent) -> None:
            user.execute_action(method)

        task.__name__ = name
        return task

    attrs: dict[str, Any] = {
        "abstract": False,
        "config": config,
        "_slots": iter(range(1_000_000)),
        "grpc_target": config.target.h2c,
        "host": config.target.http,
        "tasks": {action(name): w for name, w in weights.items()},
    }
    return type("XmuxStudent", (XmuxStudent,), attrs)
