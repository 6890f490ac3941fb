from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AC_SERVICE_UNAVAILABLE: _ClassVar[ErrorReason]
    AC_WRONG_PASSWORD: _ClassVar[ErrorReason]
    AC_ACCOUNT_BLOCKED: _ClassVar[ErrorReason]
AC_SERVICE_UNAVAILABLE: ErrorReason
AC_WRONG_PASSWORD: ErrorReason
AC_ACCOUNT_BLOCKED: ErrorReason
