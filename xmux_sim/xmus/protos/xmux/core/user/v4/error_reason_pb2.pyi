from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USER_NOT_FOUND: _ClassVar[ErrorReason]
    NO_CUSTOM_TOKEN: _ClassVar[ErrorReason]
    NEED_REGISTER: _ClassVar[ErrorReason]
USER_NOT_FOUND: ErrorReason
NO_CUSTOM_TOKEN: ErrorReason
NEED_REGISTER: ErrorReason
