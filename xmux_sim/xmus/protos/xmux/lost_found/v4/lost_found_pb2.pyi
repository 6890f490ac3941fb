import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LostAndFoundType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    Lost: _ClassVar[LostAndFoundType]
    Found: _ClassVar[LostAndFoundType]
Lost: LostAndFoundType
Found: LostAndFoundType

class GetBriefsReq(_message.Message):
    __slots__ = ("before",)
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    before: _timestamp_pb2.Timestamp
    def __init__(self, before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetBriefsResp(_message.Message):
    __slots__ = ("briefs",)
    BRIEFS_FIELD_NUMBER: _ClassVar[int]
    briefs: _containers.RepeatedCompositeFieldContainer[LostAndFoundBrief]
    def __init__(self, briefs: _Optional[_Iterable[_Union[LostAndFoundBrief, _Mapping]]] = ...) -> None: ...

class LostAndFoundBrief(_message.Message):
    __slots__ = ("id", "uid", "type", "name", "time", "location")
    ID_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    uid: str
    type: LostAndFoundType
    name: str
    time: _timestamp_pb2.Timestamp
    location: str
    def __init__(self, id: _Optional[str] = ..., uid: _Optional[str] = ..., type: _Optional[_Union[LostAndFoundType, str]] = ..., name: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[str] = ...) -> None: ...

class GetDetailReq(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class LostAndFoundDetail(_message.Message):
    __slots__ = ("uid", "type", "name", "time", "location", "description", "contacts", "pictures")
    class ContactsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    UID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    PICTURES_FIELD_NUMBER: _ClassVar[int]
    uid: str
    type: LostAndFoundType
    name: str
    time: _timestamp_pb2.Timestamp
    location: str
    description: str
    contacts: _containers.ScalarMap[str, str]
    pictures: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, uid: _Optional[str] = ..., type: _Optional[_Union[LostAndFoundType, str]] = ..., name: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[str] = ..., description: _Optional[str] = ..., contacts: _Optional[_Mapping[str, str]] = ..., pictures: _Optional[_Iterable[str]] = ...) -> None: ...

class AddItemReq(_message.Message):
    __slots__ = ("type", "name", "time", "location", "description", "contacts")
    class ContactsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    type: LostAndFoundType
    name: str
    time: _timestamp_pb2.Timestamp
    location: str
    description: str
    contacts: _containers.ScalarMap[str, str]
    def __init__(self, type: _Optional[_Union[LostAndFoundType, str]] = ..., name: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[str] = ..., description: _Optional[str] = ..., contacts: _Optional[_Mapping[str, str]] = ...) -> None: ...

class DeleteItemReq(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...
