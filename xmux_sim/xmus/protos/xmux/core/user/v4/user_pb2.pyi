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

class RegisterReq(_message.Message):
    __slots__ = ("displayName", "email")
    DISPLAYNAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    displayName: str
    email: str
    def __init__(self, displayName: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class LoginResp(_message.Message):
    __slots__ = ("customToken",)
    CUSTOMTOKEN_FIELD_NUMBER: _ClassVar[int]
    customToken: str
    def __init__(self, customToken: _Optional[str] = ...) -> None: ...

class GetProfileReq(_message.Message):
    __slots__ = ("uid",)
    UID_FIELD_NUMBER: _ClassVar[int]
    uid: str
    def __init__(self, uid: _Optional[str] = ...) -> None: ...

class Profile(_message.Message):
    __slots__ = ("uid", "email", "displayName", "avatar", "name", "nationality", "id")
    UID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DISPLAYNAME_FIELD_NUMBER: _ClassVar[int]
    AVATAR_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NATIONALITY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    uid: str
    email: str
    displayName: str
    avatar: str
    name: str
    nationality: str
    id: str
    def __init__(self, uid: _Optional[str] = ..., email: _Optional[str] = ..., displayName: _Optional[str] = ..., avatar: _Optional[str] = ..., name: _Optional[str] = ..., nationality: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class RefreshDeviceReq(_message.Message):
    __slots__ = ("deviceId", "deviceModel", "deviceName", "pushChannel", "pushKey")
    class PushChannelType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        fcm: _ClassVar[RefreshDeviceReq.PushChannelType]
    fcm: RefreshDeviceReq.PushChannelType
    DEVICEID_FIELD_NUMBER: _ClassVar[int]
    DEVICEMODEL_FIELD_NUMBER: _ClassVar[int]
    DEVICENAME_FIELD_NUMBER: _ClassVar[int]
    PUSHCHANNEL_FIELD_NUMBER: _ClassVar[int]
    PUSHKEY_FIELD_NUMBER: _ClassVar[int]
    deviceId: str
    deviceModel: str
    deviceName: str
    pushChannel: RefreshDeviceReq.PushChannelType
    pushKey: str
    def __init__(self, deviceId: _Optional[str] = ..., deviceModel: _Optional[str] = ..., deviceName: _Optional[str] = ..., pushChannel: _Optional[_Union[RefreshDeviceReq.PushChannelType, str]] = ..., pushKey: _Optional[str] = ...) -> None: ...

class GetDevicesResp(_message.Message):
    __slots__ = ("devices",)
    class Device(_message.Message):
        __slots__ = ("deviceId", "deviceModel", "deviceName", "lastSeen")
        DEVICEID_FIELD_NUMBER: _ClassVar[int]
        DEVICEMODEL_FIELD_NUMBER: _ClassVar[int]
        DEVICENAME_FIELD_NUMBER: _ClassVar[int]
        LASTSEEN_FIELD_NUMBER: _ClassVar[int]
        deviceId: str
        deviceModel: str
        deviceName: str
        lastSeen: _timestamp_pb2.Timestamp
        def __init__(self, deviceId: _Optional[str] = ..., deviceModel: _Optional[str] = ..., deviceName: _Optional[str] = ..., lastSeen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    devices: _containers.RepeatedCompositeFieldContainer[GetDevicesResp.Device]
    def __init__(self, devices: _Optional[_Iterable[_Union[GetDevicesResp.Device, _Mapping]]] = ...) -> None: ...
