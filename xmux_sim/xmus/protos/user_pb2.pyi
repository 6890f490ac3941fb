import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LoginReq(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LoginResp(_message.Message):
    __slots__ = ("profile", "logged_in_at")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    LOGGED_IN_AT_FIELD_NUMBER: _ClassVar[int]
    profile: Profile
    logged_in_at: _timestamp_pb2.Timestamp
    def __init__(self, profile: _Optional[_Union[Profile, _Mapping]] = ..., logged_in_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetProfileReq(_message.Message):
    __slots__ = ("campus_id",)
    CAMPUS_ID_FIELD_NUMBER: _ClassVar[int]
    campus_id: str
    def __init__(self, campus_id: _Optional[str] = ...) -> None: ...

class Profile(_message.Message):
    __slots__ = ("campus_id", "name", "email", "programme", "intake_year", "avatar", "staff")
    CAMPUS_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PROGRAMME_FIELD_NUMBER: _ClassVar[int]
    INTAKE_YEAR_FIELD_NUMBER: _ClassVar[int]
    AVATAR_FIELD_NUMBER: _ClassVar[int]
    STAFF_FIELD_NUMBER: _ClassVar[int]
    campus_id: str
    name: str
    email: str
    programme: str
    intake_year: int
    avatar: str
    staff: bool
    def __init__(self, campus_id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., programme: _Optional[str] = ..., intake_year: _Optional[int] = ..., avatar: _Optional[str] = ..., staff: _Optional[bool] = ...) -> None: ...
