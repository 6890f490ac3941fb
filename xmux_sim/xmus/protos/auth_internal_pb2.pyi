from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class AuthUserReq(_message.Message):
    __slots__ = ("authorization",)
    AUTHORIZATION_FIELD_NUMBER: _ClassVar[int]
    authorization: str
    def __init__(self, authorization: _Optional[str] = ...) -> None: ...

class AuthUserResp(_message.Message):
    __slots__ = ("campus_id", "staff")
    CAMPUS_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_FIELD_NUMBER: _ClassVar[int]
    campus_id: str
    staff: bool
    def __init__(self, campus_id: _Optional[str] = ..., staff: _Optional[bool] = ...) -> None: ...
