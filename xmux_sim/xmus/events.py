"""The forum's event stream on JetStream, declared identically by publisher and consumer."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

STREAM = "FORUM"
SUBJECTS = ["forum.events.>"]
DURABLE = "notifier"


async def ensure_stream(js: JetStreamContext) -> None:
    config = StreamConfig(
        name=STREAM,
        subjects=SUBJECTS,
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        # Publishers set Nats-Msg-Id: a re-published outbox row within this window is dropped.
        duplicate_window=300.0,
    )
    try:
        await js.add_stream(config)
    except BadRequestError:
        # Exists with another configuration (an older run of ours): use it as it is.
        await js.stream_info(STREAM)
