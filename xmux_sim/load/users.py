"""A student using the XMUX app, as a locust user (DESIGN.md section 1).

On start it logs in once and fires the five app-start calls at once. Then, weighted by the
profile's mix, it reopens the app (the burst again), browses the Community tab (GetForums,
GetThreads of one forum, GetProfile for each author it has not seen, GetPosts of one
thread), browses lost and found (GetBriefs, then GetDetail of one brief), now and then
writes (a reply, a like, or a found item added and deleted again), fetches an object from
``/v4/oss/``, calls the old ``/v2/`` API, or asks Xia (a streamed reply, held open while it
arrives).

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
from google.protobuf.empty_pb2 import Empty
from google.protobuf.timestamp_pb2 import Timestamp
from locust import between
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

from xmux_sim.load.config import LoadConfig
from xmux_sim.load.grpc_user import GrpcUser
from xmux_sim.load.pacing import Pacer
from xmux_sim.xmus import client, seed
from xmux_sim.xmus.protos import forum_common_pb2, forum_post_pb2, forum_thread_pb2
from xmux_sim.xmus.protos.xmux.core.user.v4 import user_pb2
from xmux_sim.xmus.protos.xmux.lost_found.v4 import lost_found_pb2
from xmux_sim.xmus.protos.xmux.xia.v4 import xia_pb2
from xmux_sim.xmus.seed_forum import forum

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
        # A student with an XMUX profile, as everyone past the login screen is.
        self.student = self.rng.choice(seed.registered(cfg.target.seed, cfg.target.size))
        self.md = client.auth_metadata(self.student.campus_id, self.student.password)
        self.timeout = profile.timeout
        self.seen_authors: set[str] = {self.student.uid}
        self.threads = forum(cfg.target.seed, cfg.target.size).threads
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
            self.call(self.grpc.stubs.user.Login, Empty())
        self.app_start()

    def app_start(self) -> None:
        """The five calls the app fires at once when it opens."""
        calls = client.app_start_calls(self.grpc.stubs)
        greenlets = [gevent.spawn(self._quiet, method, req) for method, req in calls]
        gevent.joinall(greenlets)

    def community(self) -> None:
        """The Community tab: the forums first, a page of one forum's threads, their authors, one thread."""
        forum_stub = self.grpc.stubs.forum
        with self._calls():
            forums = self.call(forum_stub.GetForums, client.forums_request()).forums
            if not forums:
                return
            page = self.call(forum_stub.GetThreads, client.threads_request(self.rng.choice(forums).id))
            for thread in page.threads:
                if thread.uid not in self.seen_authors:
                    self.seen_authors.add(thread.uid)
                    self.call(self.grpc.stubs.user.GetProfile, user_pb2.GetProfileReq(uid=thread.uid))
            if page.threads:
                opened = self.rng.choice(page.threads)
                self.call(
                    forum_stub.GetPosts,
                    forum_post_pb2.GetPostsReq(threadId=opened.id, count=client.THREADS_PER_PAGE),
                )

    def lost_found(self) -> None:
        lf = self.grpc.stubs.lost_found
        with self._calls():
            page = self.call(lf.GetBriefs, lost_found_pb2.GetBriefsReq(before=SEED_END))
            if page.briefs:
                brief = self.rng.choice(page.briefs)
                self.call(lf.GetDetail, lost_found_pb2.GetDetailReq(id=brief.id))

    def write(self) -> None:
        """In turn a reply, a like, or a found item (added, then deleted when its owner claimed it)."""
        forum_stub = self.grpc.stubs.forum
        thread = self.rng.choice(self.threads)
        kind = WRITES[(self.slot + self.writes) % len(WRITES)]
        self.writes += 1
        with self._calls():
            if kind == "reply":
                content = forum_common_pb2.PlainContent(content=f"load reply from {self.student.name}")
                self.call(
                    forum_stub.CreatePost,
                    forum_post_pb2.CreatePostReq(threadId=thread.id, plainContent=content),
                )
            elif kind == "like":
                self.call(forum_stub.LikeThread, forum_thread_pb2.LikeThreadReq(threadId=thread.id, like=1))
            else:
                self._item()

    def _item(self) -> None:
        lf = self.grpc.stubs.lost_found
        name = f"{self.rng.choice(seed.THINGS).title()} #{self.slot}-{self.writes}"
        when = Timestamp()
        when.GetCurrentTime()
        item = lost_found_pb2.AddItemReq(
            type=lost_found_pb2.Found,
            name=name,
            time=when,
            location=self.rng.choice(seed.PLACES),
            description="found during a load test",
            contacts={"phone": "+60 12-0000000"},
        )
        self.call(lf.AddItem, item)
        # AddItem answers no id: the app finds its item among the newest, as a student would.
        newest = self.call(lf.GetBriefs, lost_found_pb2.GetBriefsReq()).briefs
        mine = next((b for b in newest if b.uid == self.student.uid and b.name == name), None)
        if mine is not None:
            # Deleting it again keeps the collection the size the seed made, however long the run.
            self.call(lf.DeleteItem, lost_found_pb2.DeleteItemReq(id=mine.id))

    def oss(self) -> None:
        name = self.rng.choice(self.objects)
        self.http.get(f"/v4/oss/{name}", name="/v4/oss/{biz}/{name}")

    def v2(self) -> None:
        """The old REST API: the homepage news, and every fourth time its health check."""
        self.v2_calls += 1
        if self.v2_calls % 4 == 1:
            self.http.get("/test", name="/test")
        self.http.get("/v2/homepage/news", name="/v2/homepage/news")

    def xia(self) -> None:
        """A question to Xia; the reply streams in a few words at a time, the stream held open meanwhile."""
        question = f"Where can I find {self.rng.choice(seed.THINGS)} near {self.rng.choice(seed.PLACES)}?"
        request = xia_pb2.ChatReq(
            id=f"{self.student.uid}-{self.slot}",
            messages=[xia_pb2.Message(role=xia_pb2.USER, contents=[xia_pb2.Content(text=question)])],
        )
        with self._calls():
            for _ in self.grpc.stubs.xia.ChatStream(request, metadata=self.md, timeout=self.timeout):
                pass

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
