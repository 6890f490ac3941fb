from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ForumDetail(_message.Message):
    __slots__ = ("id", "title", "description", "creatorUid")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATORUID_FIELD_NUMBER: _ClassVar[int]
    id: int
    title: str
    description: str
    creatorUid: str
    def __init__(self, id: _Optional[int] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., creatorUid: _Optional[str] = ...) -> None: ...

class GetForumsReq(_message.Message):
    __slots__ = ("count",)
    FROM_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ..., **kwargs) -> None: ...

class GetForumsResp(_message.Message):
    __slots__ = ("forums",)
    FORUMS_FIELD_NUMBER: _ClassVar[int]
    forums: _containers.RepeatedCompositeFieldContainer[ForumDetail]
    def __init__(self, forums: _Optional[_Iterable[_Union[ForumDetail, _Mapping]]] = ...) -> None: ...
