"""API clients through nginx, as the XMUX app calls it: the app-start burst and forum posts.

Both speak gRPC to nginx's cleartext HTTP/2 port (`h2c`) as seeded students, so every call
is valid and a failure is the stack's, not the client's. A status that leaves open
whether a write happened (UNAVAILABLE from a service whose database stopped answering,
a deadline, an unknown error) is recorded as unknown; statuses that answer the request
itself (invalid, not found, refused) as fail.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import psycopg

from xmux_sim.services.postgres import PostgresRuntime
from xmux_sim.workload.base import Indeterminate, Refused, WorkloadClient
from xmux_sim.xmus import client as xmus
from xmux_sim.xmus import seed
from xmux_sim.xmus.protos import forum_common_pb2, forum_post_pb2

UNDECIDED = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.CANCELLED,
}


def _raise_for(exc: grpc.RpcError) -> None:
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    if code in UNDECIDED:
        raise Indeterminate() from exc
    raise Refused() from exc


class _ApiClient(WorkloadClient):
    """Shared: the students of the run's seed, and a channel per worker."""

    def _students(self) -> tuple[seed.Student, ...]:
        stack = self.context.stack if self.context else None
        config = next(
            (s.config for s in (stack.services.values() if stack else ()) if s.kind == "xmus-user"), {}
        )
        return seed.registered(int(config.get("seed", 1)), str(config.get("size", "small")))

    def setup(self) -> None:
        # Students with an XMUX profile: the app-start calls work for them.
        self.students = [s for s in self._students() if not s.staff] or list(self._students())
        # From the run's seed and the client's place in the file, not its per-run key token:
        # the same --seed replays the same students.
        seed_ = self.context.seed if self.context else 0
        self.rng = random.Random(f"{seed_}:{self.name.split('@')[0]}")

    def connect(self) -> Any:
        return xmus.connect(self.endpoint.address("h2c"))

    def close(self, conn: Any) -> None:
        conn.channel.close()

    def who(self) -> seed.Student:
        return self.rng.choice(self.students)


class ApiBurst(_ApiClient):
    """One operation = the five app-start calls at once; ok when all five answer."""

    kind = "api-burst"
    op = "read"

    def setup(self) -> None:
        super().setup()
        self.pool = ThreadPoolExecutor(max_workers=5 * self.spec.concurrency, thread_name_prefix=self.name)

    def attempt(self, conn: Any, key: str) -> object:
        student = self.who()
        md = xmus.auth_metadata(student.campus_id, student.password)
        calls = xmus.app_start_calls(conn)
        futures = [
            self.pool.submit(method, req, metadata=md, timeout=self.spec.timeout) for method, req in calls
        ]
        for f in futures:
            try:
                f.result()
            except grpc.RpcError as exc:
                _raise_for(exc)
        return len(calls)


class ForumPost(_ApiClient):
    """CreatePost with a unique body on a seeded thread; the final read looks for the bodies."""

    kind = "forum-post"

    def setup(self) -> None:
        super().setup()
        student = self.who()
        stubs = self.connect()
        try:
            reply = stubs.forum.GetThreads(
                xmus.threads_request(forum_id=1),
                metadata=xmus.auth_metadata(student.campus_id, student.password),
                timeout=10,
            )
        finally:
            self.close(stubs)
        if not reply.threads:
            raise RuntimeError("forum-post: the seeded forum 1 has no thread to post in")
        self.thread_id = int(reply.threads[0].id)

    def attempt(self, conn: Any, key: str) -> object:
        student = self.who()
        try:
            post = conn.forum.CreatePost(
                forum_post_pb2.CreatePostReq(
                    threadId=self.thread_id, plainContent=forum_common_pb2.PlainContent(content=key)
                ),
                metadata=xmus.auth_metadata(student.campus_id, student.password),
                timeout=self.spec.timeout,
            )
        except grpc.RpcError as exc:
            _raise_for(exc)
        return int(post.postId)

    def final_read(self) -> Iterable[str]:
        if self.context is None:
            raise RuntimeError("forum-post needs the run's context to read the posts back")
        db = self.context.endpoint(self.context.service_of_kind("postgres"))
        with psycopg.connect(PostgresRuntime.url(db), connect_timeout=5) as conn:
            rows = conn.execute(
                "SELECT content->>'content' FROM forum.post WHERE content->>'content' LIKE %s",
                (f"{self.name}:%",),
            )
            return [r[0] for r in rows]
