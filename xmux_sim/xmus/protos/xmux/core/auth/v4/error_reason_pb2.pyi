from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNKNOWN: _ClassVar[ErrorReason]
    INVALID_CREDENTIAL: _ClassVar[ErrorReason]
    INVALID_CAMPUS_ID: _ClassVar[ErrorReason]
    INVALID_PASSWORD: _ClassVar[ErrorReason]
    WRONG_PASSWORD: _ClassVar[ErrorReason]
    WRONG_FIREBASE_ID_TOKEN: _ClassVar[ErrorReason]
    LDAP_SERVER_DOWN: _ClassVar[ErrorReason]
UNKNOWN: ErrorReason
INVALID_CREDENTIAL: ErrorReason
INVALID_CAMPUS_ID: ErrorReason
INVALID_PASSWORD: ErrorReason
WRONG_PASSWORD: ErrorReason
WRONG_FIREBASE_ID_TOKEN: ErrorReason
LDAP_SERVER_DOWN: ErrorReason
