import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotifType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POST_REPLY: _ClassVar[NotifType]
    REPLY_REPLY: _ClassVar[NotifType]
POST_REPLY: NotifType
REPLY_REPLY: NotifType

class Notif(_message.Message):
    __slots__ = ("id", "type", "refId", "objId", "refContent", "objContent", "hasRead", "createTime", "senderUid")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REFID_FIELD_NUMBER: _ClassVar[int]
    OBJID_FIELD_NUMBER: _ClassVar[int]
    REFCONTENT_FIELD_NUMBER: _ClassVar[int]
    OBJCONTENT_FIELD_NUMBER: _ClassVar[int]
    HASREAD_FIELD_NUMBER: _ClassVar[int]
    CREATETIME_FIELD_NUMBER: _ClassVar[int]
    SENDERUID_FIELD_NUMBER: _ClassVar[int]
    id: int
    type: NotifType
    refId: int
    objId: int
    refContent: str
    objContent: str
    hasRead: bool
    createTime: _timestamp_pb2.Timestamp
    senderUid: str
    def __init__(self, id: _Optional[int] = ..., type: _Optional[_Union[NotifType, str]] = ..., refId: _Optional[int] = ..., objId: _Optional[int] = ..., refContent: _Optional[str] = ..., objContent: _Optional[str] = ..., hasRead: _Optional[bool] = ..., createTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., senderUid: _Optional[str] = ...) -> None: ...

class GetNotifNumResp(_message.Message):
    __slots__ = ("num",)
    NUM_FIELD_NUMBER: _ClassVar[int]
    num: int
    def __init__(self, num: _Optional[int] = ...) -> None: ...

class GetNotifReq(_message.Message):
    __slots__ = ("pageNo", "pageSize")
    PAGENO_FIELD_NUMBER: _ClassVar[int]
    PAGESIZE_FIELD_NUMBER: _ClassVar[int]
    pageNo: int
    pageSize: int
    def __init__(self, pageNo: _Optional[int] = ..., pageSize: _Optional[int] = ...) -> None: ...

class GetNotifResp(_message.Message):
    __slots__ = ("notifs",)
    NOTIFS_FIELD_NUMBER: _ClassVar[int]
    notifs: _containers.RepeatedCompositeFieldContainer[Notif]
    def __init__(self, notifs: _Optional[_Iterable[_Union[Notif, _Mapping]]] = ...) -> None: ...

class NotifMarkAsReadReq(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, ids: _Optional[_Iterable[int]] = ...) -> None: ...
