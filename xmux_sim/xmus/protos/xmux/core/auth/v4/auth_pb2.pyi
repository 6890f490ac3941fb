from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CampusRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    none: _ClassVar[CampusRole]
    student: _ClassVar[CampusRole]
    teacher: _ClassVar[CampusRole]
none: CampusRole
student: CampusRole
teacher: CampusRole

class CampusIdPasswordCredential(_message.Message):
    __slots__ = ("campus_id", "password")
    CAMPUS_ID_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    campus_id: str
    password: str
    def __init__(self, campus_id: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class AuthUserReq(_message.Message):
    __slots__ = ("campus_id_password", "firebase_id_token")
    CAMPUS_ID_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    FIREBASE_ID_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campus_id_password: CampusIdPasswordCredential
    firebase_id_token: str
    def __init__(self, campus_id_password: _Optional[_Union[CampusIdPasswordCredential, _Mapping]] = ..., firebase_id_token: _Optional[str] = ...) -> None: ...

class AuthUserResp(_message.Message):
    __slots__ = ("uid", "campus_role")
    UID_FIELD_NUMBER: _ClassVar[int]
    CAMPUS_ROLE_FIELD_NUMBER: _ClassVar[int]
    uid: str
    campus_role: CampusRole
    def __init__(self, uid: _Optional[str] = ..., campus_role: _Optional[_Union[CampusRole, str]] = ...) -> None: ...
