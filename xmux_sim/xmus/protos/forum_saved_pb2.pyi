from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class SaveThreadReq(_message.Message):
    __slots__ = ("threadId",)
    THREADID_FIELD_NUMBER: _ClassVar[int]
    threadId: int
    def __init__(self, threadId: _Optional[int] = ...) -> None: ...

class SavePostReq(_message.Message):
    __slots__ = ("postId",)
    POSTID_FIELD_NUMBER: _ClassVar[int]
    postId: int
    def __init__(self, postId: _Optional[int] = ...) -> None: ...

class UnsaveThreadReq(_message.Message):
    __slots__ = ("threadId",)
    THREADID_FIELD_NUMBER: _ClassVar[int]
    threadId: int
    def __init__(self, threadId: _Optional[int] = ...) -> None: ...

class UnsavePostReq(_message.Message):
    __slots__ = ("postId",)
    POSTID_FIELD_NUMBER: _ClassVar[int]
    postId: int
    def __init__(self, postId: _Optional[int] = ...) -> None: ...

class GetSavedThreadsReq(_message.Message):
    __slots__ = ("offset", "count")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    offset: int
    count: int
    def __init__(self, offset: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class GetSavedPostsReq(_message.Message):
    __slots__ = ("offset", "count")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    offset: int
    count: int
    def __init__(self, offset: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...
