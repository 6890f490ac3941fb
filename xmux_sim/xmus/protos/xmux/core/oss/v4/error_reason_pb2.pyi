from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNKNOWN: _ClassVar[ErrorReason]
    UNSUPPORTED_BIZ: _ClassVar[ErrorReason]
    UNSUPPORTED_FORMAT: _ClassVar[ErrorReason]
    CONTENT_VIOLATION: _ClassVar[ErrorReason]
UNKNOWN: ErrorReason
UNSUPPORTED_BIZ: ErrorReason
UNSUPPORTED_FORMAT: ErrorReason
CONTENT_VIOLATION: ErrorReason
