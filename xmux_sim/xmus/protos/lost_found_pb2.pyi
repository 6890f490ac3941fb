import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ItemType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ITEM_TYPE_UNSPECIFIED: _ClassVar[ItemType]
    LOST: _ClassVar[ItemType]
    FOUND: _ClassVar[ItemType]
ITEM_TYPE_UNSPECIFIED: ItemType
LOST: ItemType
FOUND: ItemType

class Brief(_message.Message):
    __slots__ = ("id", "type", "name", "location", "timestamp")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: ItemType
    name: str
    location: str
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[ItemType, str]] = ..., name: _Optional[str] = ..., location: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ("id", "type", "name", "location", "timestamp", "description", "contact", "uploader", "pictures")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    UPLOADER_FIELD_NUMBER: _ClassVar[int]
    PICTURES_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: ItemType
    name: str
    location: str
    timestamp: _timestamp_pb2.Timestamp
    description: str
    contact: str
    uploader: str
    pictures: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[ItemType, str]] = ..., name: _Optional[str] = ..., location: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., contact: _Optional[str] = ..., uploader: _Optional[str] = ..., pictures: _Optional[_Iterable[str]] = ...) -> None: ...

class GetBriefsReq(_message.Message):
    __slots__ = ("before",)
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    before: _timestamp_pb2.Timestamp
    def __init__(self, before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetBriefsResp(_message.Message):
    __slots__ = ("briefs",)
    BRIEFS_FIELD_NUMBER: _ClassVar[int]
    briefs: _containers.RepeatedCompositeFieldContainer[Brief]
    def __init__(self, briefs: _Optional[_Iterable[_Union[Brief, _Mapping]]] = ...) -> None: ...

class GetDetailReq(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class AddItemReq(_message.Message):
    __slots__ = ("type", "name", "location", "description", "contact", "timestamp", "pictures")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    PICTURES_FIELD_NUMBER: _ClassVar[int]
    type: ItemType
    name: str
    location: str
    description: str
    contact: str
    timestamp: _timestamp_pb2.Timestamp
    pictures: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, type: _Optional[_Union[ItemType, str]] = ..., name: _Optional[str] = ..., location: _Optional[str] = ..., description: _Optional[str] = ..., contact: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pictures: _Optional[_Iterable[str]] = ...) -> None: ...

class AddItemResp(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteItemReq(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteItemResp(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
