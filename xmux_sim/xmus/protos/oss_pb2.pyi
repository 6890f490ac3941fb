from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class GetUploadCredentialsReq(_message.Message):
    __slots__ = ("biz", "file_name", "content_type", "size")
    BIZ_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    biz: str
    file_name: str
    content_type: str
    size: int
    def __init__(self, biz: _Optional[str] = ..., file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class UploadCredentials(_message.Message):
    __slots__ = ("url", "fields", "object", "expires_in")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    URL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    url: str
    fields: _containers.ScalarMap[str, str]
    object: str
    expires_in: int
    def __init__(self, url: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ..., object: _Optional[str] = ..., expires_in: _Optional[int] = ...) -> None: ...

class GetDownloadURLReq(_message.Message):
    __slots__ = ("biz", "name")
    BIZ_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    biz: str
    name: str
    def __init__(self, biz: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DownloadURL(_message.Message):
    __slots__ = ("url", "expires_in")
    URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    url: str
    expires_in: int
    def __init__(self, url: _Optional[str] = ..., expires_in: _Optional[int] = ...) -> None: ...
