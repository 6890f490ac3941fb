"""XMUS behaviour under restarts and replica loss, on a small stack of its own.

The stack has one node in 198.18.203.0/24 (no underlay), so it can run beside the
session stack; the notifier holds each acknowledgement back 4 s so a test can restart it
between committing a notification and acknowledging its event.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from tests.stack.xmus_support import Xmus, connect, eventually, rpc_error
from xmux_sim import clients
from xmux_sim.api import open_stack
from xmux_sim.topology import load_stack
from xmux_sim.xmus import client, seed
from xmux_sim.xmus.protos import forum_common_pb2, forum_post_pb2
from xmux_sim.xmus.protos.xmux.core.user.v4 import user_pb2
from xmux_sim.xmus.seed_forum import Thread, forum

STACK = """
name: xmus-resilience
nodes: [{name: node-1, cidr: 198.18.203.0/24}]
services:
  postgres: {kind: postgres}
  nats: {kind: nats}
  nginx: {kind: nginx, config: {max_fails: 1, fail_timeout: 30s}}
  auth: {kind: xmus-auth}
  user: {kind: xmus-user, replicas: 2}
  forum: {kind: xmus-forum}
  notifier: {kind: xmus-notifier, config: {ack_wait: 3, ack_delay_ms: 4000}}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path: Path = tmp_path_factory.mktemp("stack") / "xmus-resilience.yaml"
    path.write_text(STACK)
    with open_stack(load_stack(path)) as r:
        yield r


@pytest.fixture(scope="module")
def xmus(run: Any) -> Xmus:
    return connect(run)


def notification_rows(run: Any, event_id: str) -> list[Any]:
    """The notification made of an event (the real forum's row), by the event's id."""
    with clients.postgres(run.endpoint("postgres")) as conn:
        return list(
            conn.execute(
                "SELECT n.uid, n.sender_uid FROM forum.notif n JOIN xmus.notif_event e ON e.notif_id = n.id "
                "WHERE e.event_id = %s",
                (event_id,),
            )
        )


def reply(xmus: Xmus, thread_index: int) -> tuple[int, Thread, seed.Student]:
    thread = forum(xmus.seed, xmus.size).threads[thread_index]
    replier = next(s for s in xmus.students if s.uid != thread.uid)
    post = xmus.stubs.forum.CreatePost(
        forum_post_pb2.CreatePostReq(
            threadId=thread.id, plainContent=forum_common_pb2.PlainContent(content=f"reply to {thread.id}")
        ),
        metadata=xmus.md(replier),
    )
    return post.postId, thread, replier


def test_restart_between_commit_and_ack_gives_exactly_one_notification(run: Any, xmus: Xmus) -> None:
    post_id, thread, replier = reply(xmus, 0)
    event_id = f"post:{post_id}"
    # The row is committed; the acknowledgement is 4 s away: kill the notifier now.
    assert eventually(lambda: notification_rows(run, event_id), timeout=15) == [(thread.uid, replier.uid)]
    notifier = run.app("notifier")
    notifier.kill()
    notifier.start()

    def redelivered_and_acked() -> bool:
        logs = notifier.logs().decode(errors="replace")
        return f"event {event_id} seen before" in logs

    # JetStream redelivers the unacknowledged event (ack_wait 3 s); the insert is a no-op.
    assert eventually(redelivered_and_acked, timeout=30)
    assert notification_rows(run, event_id) == [(thread.uid, replier.uid)]


def test_events_published_while_the_notifier_is_down_are_not_lost(run: Any, xmus: Xmus) -> None:
    notifier = run.app("notifier")
    notifier.stop(timeout=5)
    try:
        post_id, thread, replier = reply(xmus, 1)
        event_id = f"post:{post_id}"
        assert eventually(lambda: notification_rows(run, event_id), timeout=3) == []
    finally:
        notifier.start()
    assert eventually(lambda: notification_rows(run, event_id), timeout=30) == [(thread.uid, replier.uid)]


def test_two_replicas_share_the_load_and_one_can_die(run: Any, xmus: Xmus) -> None:
    me = xmus.students[0]

    def pods(n: int) -> set[str]:
        seen = set()
        for _ in range(n):
            reply_, call = xmus.stubs.user.GetProfile.with_call(
                user_pb2.GetProfileReq(), metadata=xmus.md(me)
            )
            assert reply_.uid == me.uid
            seen.add(client.pod_of(call))
        return seen

    assert pods(20) == {"user-0", "user-1"}
    victim = run.app("user", 0)
    victim.kill()
    try:
        # nginx retries the refused connection on the other replica: every call succeeds.
        assert pods(30) == {"user-1"}
    finally:
        victim.start()
    assert eventually(lambda: pods(10) == {"user-0", "user-1"}, timeout=60)


def test_a_database_outage_is_unavailable_and_heals(run: Any, xmus: Xmus) -> None:
    me = xmus.students[1]

    def profile() -> Any:
        return xmus.stubs.user.GetProfile(user_pb2.GetProfileReq(), metadata=xmus.md(me), timeout=20)

    assert profile().uid == me.uid
    postgres = run.app("postgres")
    postgres.stop(timeout=5)
    try:
        info = rpc_error(profile)
        # A backing service that does not answer is a retryable 503, never INTERNAL or a hang: the
        # auth service's directory (PostgreSQL here) is down, the real LDAP_SERVER_DOWN.
        assert (info.code, info.reason) == (grpc.StatusCode.UNAVAILABLE, "LDAP_SERVER_DOWN")
    finally:
        postgres.start()

    def recovered() -> bool:
        try:
            return bool(profile().uid == me.uid)
        except grpc.RpcError:
            return False

    assert eventually(recovered, timeout=60, interval=1.0)


def test_forum_says_auth_unavailable_while_the_auth_service_is_down(run: Any, xmus: Xmus) -> None:
    me = xmus.students[2]

    def threads() -> Any:
        return xmus.stubs.forum.GetThreads(
            client.threads_request(forum_id=1), metadata=xmus.md(me), timeout=20
        )

    assert len(threads().threads) > 0
    auth = run.app("auth")
    auth.stop(timeout=5)
    try:
        info = rpc_error(threads)
        assert (info.code, info.reason) == (grpc.StatusCode.UNAVAILABLE, "AUTH_UNAVAILABLE")
    finally:
        auth.start()

    def recovered() -> bool:
        try:
            return len(threads().threads) > 0
        except grpc.RpcError:
            return False

    assert eventually(recovered, timeout=60, interval=1.0)
