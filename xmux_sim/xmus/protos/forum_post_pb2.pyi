import datetime

from xmux_sim.xmus.protos import forum_common_pb2 as _forum_common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Post(_message.Message):
    __slots__ = ("id", "uid", "threadId", "parentId", "refPostId", "refPostUid", "likes", "pinned", "createAt", "liked", "saved", "plainContent", "markdownContent")
    ID_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    THREADID_FIELD_NUMBER: _ClassVar[int]
    PARENTID_FIELD_NUMBER: _ClassVar[int]
    REFPOSTID_FIELD_NUMBER: _ClassVar[int]
    REFPOSTUID_FIELD_NUMBER: _ClassVar[int]
    LIKES_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    CREATEAT_FIELD_NUMBER: _ClassVar[int]
    LIKED_FIELD_NUMBER: _ClassVar[int]
    SAVED_FIELD_NUMBER: _ClassVar[int]
    PLAINCONTENT_FIELD_NUMBER: _ClassVar[int]
    MARKDOWNCONTENT_FIELD_NUMBER: _ClassVar[int]
    id: int
    uid: str
    threadId: int
    parentId: int
    refPostId: int
    refPostUid: str
    likes: int
    pinned: bool
    createAt: _timestamp_pb2.Timestamp
    liked: int
    saved: bool
    plainContent: _forum_common_pb2.PlainContent
    markdownContent: _forum_common_pb2.MarkdownContent
    def __init__(self, id: _Optional[int] = ..., uid: _Optional[str] = ..., threadId: _Optional[int] = ..., parentId: _Optional[int] = ..., refPostId: _Optional[int] = ..., refPostUid: _Optional[str] = ..., likes: _Optional[int] = ..., pinned: _Optional[bool] = ..., createAt: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., liked: _Optional[int] = ..., saved: _Optional[bool] = ..., plainContent: _Optional[_Union[_forum_common_pb2.PlainContent, _Mapping]] = ..., markdownContent: _Optional[_Union[_forum_common_pb2.MarkdownContent, _Mapping]] = ...) -> None: ...

class CreatePostReq(_message.Message):
    __slots__ = ("threadId", "parentId", "refPostId", "refPostUid", "plainContent", "markdownContent")
    THREADID_FIELD_NUMBER: _ClassVar[int]
    PARENTID_FIELD_NUMBER: _ClassVar[int]
    REFPOSTID_FIELD_NUMBER: _ClassVar[int]
    REFPOSTUID_FIELD_NUMBER: _ClassVar[int]
    PLAINCONTENT_FIELD_NUMBER: _ClassVar[int]
    MARKDOWNCONTENT_FIELD_NUMBER: _ClassVar[int]
    threadId: int
    parentId: int
    refPostId: int
    refPostUid: str
    plainContent: _forum_common_pb2.PlainContent
    markdownContent: _forum_common_pb2.MarkdownContent
    def __init__(self, threadId: _Optional[int] = ..., parentId: _Optional[int] = ..., refPostId: _Optional[int] = ..., refPostUid: _Optional[str] = ..., plainContent: _Optional[_Union[_forum_common_pb2.PlainContent, _Mapping]] = ..., markdownContent: _Optional[_Union[_forum_common_pb2.MarkdownContent, _Mapping]] = ...) -> None: ...

class CreatePostResp(_message.Message):
    __slots__ = ("postId",)
    POSTID_FIELD_NUMBER: _ClassVar[int]
    postId: int
    def __init__(self, postId: _Optional[int] = ...) -> None: ...

class RemovePostReq(_message.Message):
    __slots__ = ("postId",)
    POSTID_FIELD_NUMBER: _ClassVar[int]
    postId: int
    def __init__(self, postId: _Optional[int] = ...) -> None: ...

class GetPostsReq(_message.Message):
    __slots__ = ("threadId", "ordering", "offset", "count")
    THREADID_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    threadId: int
    ordering: _forum_common_pb2.Ordering
    offset: int
    count: int
    def __init__(self, threadId: _Optional[int] = ..., ordering: _Optional[_Union[_forum_common_pb2.Ordering, str]] = ..., offset: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class GetPostsByUidReq(_message.Message):
    __slots__ = ("uid", "ordering", "offset", "count")
    UID_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    uid: str
    ordering: _forum_common_pb2.Ordering
    offset: int
    count: int
    def __init__(self, uid: _Optional[str] = ..., ordering: _Optional[_Union[_forum_common_pb2.Ordering, str]] = ..., offset: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class GetPostsByParentReq(_message.Message):
    __slots__ = ("parentId", "ordering", "offset", "count")
    PARENTID_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    parentId: int
    ordering: _forum_common_pb2.Ordering
    offset: int
    count: int
    def __init__(self, parentId: _Optional[int] = ..., ordering: _Optional[_Union[_forum_common_pb2.Ordering, str]] = ..., offset: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class GetPostsResp(_message.Message):
    __slots__ = ("posts",)
    POSTS_FIELD_NUMBER: _ClassVar[int]
    posts: _containers.RepeatedCompositeFieldContainer[Post]
    def __init__(self, posts: _Optional[_Iterable[_Union[Post, _Mapping]]] = ...) -> None: ...

class LikePostReq(_message.Message):
    __slots__ = ("postId", "like")
    POSTID_FIELD_NUMBER: _ClassVar[int]
    LIKE_FIELD_NUMBER: _ClassVar[int]
    postId: int
    like: int
    def __init__(self, postId: _Optional[int] = ..., like: _Optional[int] = ...) -> None: ...

class PinPostReq(_message.Message):
    __slots__ = ("postId", "pinned")
    POSTID_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    postId: int
    pinned: bool
    def __init__(self, postId: _Optional[int] = ..., pinned: _Optional[bool] = ...) -> None: ...
