import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Thread(_message.Message):
    __slots__ = ("id", "forum_id", "author", "title", "body", "created_at", "likes", "posts", "saved", "liked")
    ID_FIELD_NUMBER: _ClassVar[int]
    FORUM_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LIKES_FIELD_NUMBER: _ClassVar[int]
    POSTS_FIELD_NUMBER: _ClassVar[int]
    SAVED_FIELD_NUMBER: _ClassVar[int]
    LIKED_FIELD_NUMBER: _ClassVar[int]
    id: int
    forum_id: int
    author: str
    title: str
    body: str
    created_at: _timestamp_pb2.Timestamp
    likes: int
    posts: int
    saved: bool
    liked: bool
    def __init__(self, id: _Optional[int] = ..., forum_id: _Optional[int] = ..., author: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., likes: _Optional[int] = ..., posts: _Optional[int] = ..., saved: _Optional[bool] = ..., liked: _Optional[bool] = ...) -> None: ...

class Post(_message.Message):
    __slots__ = ("id", "thread_id", "parent_id", "author", "body", "created_at", "likes", "removed")
    ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LIKES_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    id: int
    thread_id: int
    parent_id: int
    author: str
    body: str
    created_at: _timestamp_pb2.Timestamp
    likes: int
    removed: bool
    def __init__(self, id: _Optional[int] = ..., thread_id: _Optional[int] = ..., parent_id: _Optional[int] = ..., author: _Optional[str] = ..., body: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., likes: _Optional[int] = ..., removed: _Optional[bool] = ...) -> None: ...

class GetThreadsReq(_message.Message):
    __slots__ = ("forum_id", "before", "limit")
    FORUM_ID_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    forum_id: int
    before: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, forum_id: _Optional[int] = ..., before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class GetThreadsResp(_message.Message):
    __slots__ = ("threads",)
    THREADS_FIELD_NUMBER: _ClassVar[int]
    threads: _containers.RepeatedCompositeFieldContainer[Thread]
    def __init__(self, threads: _Optional[_Iterable[_Union[Thread, _Mapping]]] = ...) -> None: ...

class GetPostsReq(_message.Message):
    __slots__ = ("thread_id", "after_id", "limit")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    thread_id: int
    after_id: int
    limit: int
    def __init__(self, thread_id: _Optional[int] = ..., after_id: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class GetPostsByParentReq(_message.Message):
    __slots__ = ("parent_id", "after_id", "limit")
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    parent_id: int
    after_id: int
    limit: int
    def __init__(self, parent_id: _Optional[int] = ..., after_id: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class GetPostsResp(_message.Message):
    __slots__ = ("posts",)
    POSTS_FIELD_NUMBER: _ClassVar[int]
    posts: _containers.RepeatedCompositeFieldContainer[Post]
    def __init__(self, posts: _Optional[_Iterable[_Union[Post, _Mapping]]] = ...) -> None: ...

class CreateThreadReq(_message.Message):
    __slots__ = ("forum_id", "title", "body")
    FORUM_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    forum_id: int
    title: str
    body: str
    def __init__(self, forum_id: _Optional[int] = ..., title: _Optional[str] = ..., body: _Optional[str] = ...) -> None: ...

class CreatePostReq(_message.Message):
    __slots__ = ("thread_id", "parent_id", "body")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    thread_id: int
    parent_id: int
    body: str
    def __init__(self, thread_id: _Optional[int] = ..., parent_id: _Optional[int] = ..., body: _Optional[str] = ...) -> None: ...

class LikeThreadReq(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: int
    def __init__(self, thread_id: _Optional[int] = ...) -> None: ...

class LikePostReq(_message.Message):
    __slots__ = ("post_id",)
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    def __init__(self, post_id: _Optional[int] = ...) -> None: ...

class LikeResp(_message.Message):
    __slots__ = ("likes", "changed")
    LIKES_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    likes: int
    changed: bool
    def __init__(self, likes: _Optional[int] = ..., changed: _Optional[bool] = ...) -> None: ...

class SaveThreadReq(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: int
    def __init__(self, thread_id: _Optional[int] = ...) -> None: ...

class SaveResp(_message.Message):
    __slots__ = ("saved",)
    SAVED_FIELD_NUMBER: _ClassVar[int]
    saved: bool
    def __init__(self, saved: _Optional[bool] = ...) -> None: ...

class RemovePostReq(_message.Message):
    __slots__ = ("post_id",)
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    def __init__(self, post_id: _Optional[int] = ...) -> None: ...

class RemovePostResp(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
