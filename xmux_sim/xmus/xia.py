"""xmux.xia.v4.Xia: the chat assistant, answered by a deterministic stand-in reply.

No model runs here. The reply is a function of the conversation (the same question gets
the same answer), so tests can check it; ChatStream sends it a few words at a time with
``chunk_delay`` seconds between pieces, so a load test holds a long-lived stream through
nginx the way the app does while Xia "types".
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import grpc.aio

from xmux_sim.xmus.app import Context, rpc, rpc_stream
from xmux_sim.xmus.errors import invalid
from xmux_sim.xmus.protos.xmux.xia.v4 import xia_pb2, xia_pb2_grpc

WORDS_PER_PIECE = 4
MAX_QUESTION = 4000
OPENERS = [
    "Good question!",
    "Here is what I know.",
    "Let me help with that.",
    "I can point you in the right direction.",
]
ADVICE = [
    "The library front desk can tell you more.",
    "Check the academic calendar in the app.",
    "Your lecturer's office hours are a good place to ask.",
    "The student services centre in Block A is open on weekdays.",
    "Try asking in the Community tab as well.",
]


def question_of(request: xia_pb2.ChatReq) -> str:
    """The text of the last user message; VALIDATOR when there is none."""
    for message in reversed(request.messages):
        if message.role == xia_pb2.USER:
            text = " ".join(c.text for c in message.contents if c.WhichOneof("content") == "text").strip()
            if text and len(text) <= MAX_QUESTION:
                return text
            break
    raise invalid(
        f"invalid ChatReq.Messages: the last user message needs text of 1..{MAX_QUESTION} characters"
    )


def reply_to(request: xia_pb2.ChatReq) -> tuple[str, str]:
    """(reply id, reply text) for a conversation: the same conversation, the same reply."""
    question = question_of(request)
    digest = hashlib.sha256(request.SerializeToString(deterministic=True)).digest()
    text = (
        f'{OPENERS[digest[0] % len(OPENERS)]} You asked: "{question[:80]}". {ADVICE[digest[1] % len(ADVICE)]}'
    )
    return digest[:8].hex(), text


def answer(reply_id: str, request_id: str, text: str) -> xia_pb2.ChatResp:
    return xia_pb2.ChatResp(
        id=request_id or reply_id,
        message=xia_pb2.Message(id=reply_id, role=xia_pb2.MODEL, contents=[xia_pb2.Content(text=text)]),
    )


def pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [" ".join(words[i : i + WORDS_PER_PIECE]) + " " for i in range(0, len(words), WORDS_PER_PIECE)]


class Xia(xia_pb2_grpc.XiaServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        assert ctx.auth is not None
        self.auth = ctx.auth

    @rpc
    async def Chat(
        self, request: xia_pb2.ChatReq, context: grpc.aio.ServicerContext[Any, Any]
    ) -> xia_pb2.ChatResp:
        await self.auth.caller(context)
        reply_id, text = reply_to(request)
        return answer(reply_id, request.id, text)

    @rpc_stream
    async def ChatStream(self, request: xia_pb2.ChatReq, context: Any) -> AsyncIterator[xia_pb2.ChatResp]:
        await self.auth.caller(context)
        reply_id, text = reply_to(request)
        for i, piece in enumerate(pieces(text)):
            if i and self.ctx.settings.chunk_delay:
                await asyncio.sleep(self.ctx.settings.chunk_delay)
            yield answer(reply_id, request.id, piece)


def register(server: grpc.aio.Server, ctx: Context) -> None:
    xia_pb2_grpc.add_XiaServicer_to_server(Xia(ctx), server)


async def init(ctx: Context) -> None:
    """Xia keeps no data."""
