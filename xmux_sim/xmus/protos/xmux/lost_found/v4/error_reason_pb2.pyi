from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ITEM_NOT_FOUND: _ClassVar[ErrorReason]
    INVALID_ITEM_ID: _ClassVar[ErrorReason]
ITEM_NOT_FOUND: ErrorReason
INVALID_ITEM_ID: ErrorReason
