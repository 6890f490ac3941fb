import datetime

from xmux_sim.xmus.protos import forum_common_pb2 as _forum_common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Thread(_message.Message):
    __slots__ = ("id", "uid", "title", "likes", "posts", "pinned", "digest", "createAt", "updateAt", "lastUpdate", "liked", "saved", "plainContent", "markdownContent")
    ID_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    LIKES_FIELD_NUMBER: _ClassVar[int]
    POSTS_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    CREATEAT_FIELD_NUMBER: _ClassVar[int]
    UPDATEAT_FIELD_NUMBER: _ClassVar[int]
    LASTUPDATE_FIELD_NUMBER: _ClassVar[int]
    LIKED_FIELD_NUMBER: _ClassVar[int]
    SAVED_FIELD_NUMBER: _ClassVar[int]
    PLAINCONTENT_FIELD_NUMBER: _ClassVar[int]
    MARKDOWNCONTENT_FIELD_NUMBER: _ClassVar[int]
    id: int
    uid: str
    title: str
    likes: int
    posts: int
    pinned: bool
    digest: bool
    createAt: _timestamp_pb2.Timestamp
    updateAt: _timestamp_pb2.Timestamp
    lastUpdate: _timestamp_pb2.Timestamp
    liked: int
    saved: bool
    plainContent: _forum_common_pb2.PlainContent
    markdownContent: _forum_common_pb2.MarkdownContent
    def __init__(self, id: _Optional[int] = ..., uid: _Optional[str] = ..., title: _Optional[str] = ..., likes: _Optional[int] = ..., posts: _Optional[int] = ..., pinned: _Optional[bool] = ..., digest: _Optional[bool] = ..., createAt: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updateAt: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lastUpdate: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., liked: _Optional[int] = ..., saved: _Optional[bool] = ..., plainContent: _Optional[_Union[_forum_common_pb2.PlainContent, _Mapping]] = ..., markdownContent: _Optional[_Union[_forum_common_pb2.MarkdownContent, _Mapping]] = ...) -> None: ...

class CreateThreadReq(_message.Message):
    __slots__ = ("forumId", "title", "plainContent", "markdownContent")
    FORUMID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PLAINCONTENT_FIELD_NUMBER: _ClassVar[int]
    MARKDOWNCONTENT_FIELD_NUMBER: _ClassVar[int]
    forumId: int
    title: str
    plainContent: _forum_common_pb2.PlainContent
    markdownContent: _forum_common_pb2.MarkdownContent
    def __init__(self, forumId: _Optional[int] = ..., title: _Optional[str] = ..., plainContent: _Optional[_Union[_forum_common_pb2.PlainContent, _Mapping]] = ..., markdownContent: _Optional[_Union[_forum_common_pb2.MarkdownContent, _Mapping]] = ...) -> None: ...

class CreateThreadResp(_message.Message):
    __slots__ = ("threadId",)
    THREADID_FIELD_NUMBER: _ClassVar[int]
    threadId: int
    def __init__(self, threadId: _Optional[int] = ...) -> None: ...

class RemoveThreadReq(_message.Message):
    __slots__ = ("threadId",)
    THREADID_FIELD_NUMBER: _ClassVar[int]
    threadId: int
    def __init__(self, threadId: _Optional[int] = ...) -> None: ...

class UpdateThreadReq(_message.Message):
    __slots__ = ("id", "title", "body")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    id: int
    title: str
    body: str
    def __init__(self, id: _Optional[int] = ..., title: _Optional[str] = ..., body: _Optional[str] = ...) -> None: ...

class GetThreadsReq(_message.Message):
    __slots__ = ("forumId", "ordering", "offset", "count")
    FORUMID_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    forumId: int
    ordering: _forum_common_pb2.Ordering
    offset: int
    count: int
    def __init__(self, forumId: _Optional[int] = ..., ordering: _Optional[_Union[_forum_common_pb2.Ordering, str]] = ..., offset: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class GetThreadsResp(_message.Message):
    __slots__ = ("threads",)
    THREADS_FIELD_NUMBER: _ClassVar[int]
    threads: _containers.RepeatedCompositeFieldContainer[Thread]
    def __init__(self, threads: _Optional[_Iterable[_Union[Thread, _Mapping]]] = ...) -> None: ...

class LikeThreadReq(_message.Message):
    __slots__ = ("threadId", "like")
    THREADID_FIELD_NUMBER: _ClassVar[int]
    LIKE_FIELD_NUMBER: _ClassVar[int]
    threadId: int
    like: int
    def __init__(self, threadId: _Optional[int] = ..., like: _Optional[int] = ...) -> None: ...

class PinThreadReq(_message.Message):
    __slots__ = ("threadId", "pinned")
    THREADID_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    threadId: int
    pinned: bool
    def __init__(self, threadId: _Optional[int] = ..., pinned: _Optional[bool] = ...) -> None: ...

class DigestThreadReq(_message.Message):
    __slots__ = ("threadId", "digest")
    THREADID_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    threadId: int
    digest: bool
    def __init__(self, threadId: _Optional[int] = ..., digest: _Optional[bool] = ...) -> None: ...
