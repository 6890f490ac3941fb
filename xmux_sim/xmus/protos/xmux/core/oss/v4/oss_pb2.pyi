from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class UploadReq(_message.Message):
    __slots__ = ("biz", "data")
    BIZ_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    biz: str
    data: bytes
    def __init__(self, biz: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class UploadResp(_message.Message):
    __slots__ = ("url", "download_url")
    URL_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    download_url: str
    def __init__(self, url: _Optional[str] = ..., download_url: _Optional[str] = ...) -> None: ...

class GetUploadCredentialsRequest(_message.Message):
    __slots__ = ("biz",)
    BIZ_FIELD_NUMBER: _ClassVar[int]
    biz: str
    def __init__(self, biz: _Optional[str] = ...) -> None: ...

class GetUploadCredentialsResponse(_message.Message):
    __slots__ = ("url", "upload_url", "form_data")
    class FormDataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    URL_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    FORM_DATA_FIELD_NUMBER: _ClassVar[int]
    url: str
    upload_url: str
    form_data: _containers.ScalarMap[str, str]
    def __init__(self, url: _Optional[str] = ..., upload_url: _Optional[str] = ..., form_data: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetDownloadURLRequest(_message.Message):
    __slots__ = ("biz", "name")
    BIZ_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    biz: str
    name: str
    def __init__(self, biz: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetDownloadURLResponse(_message.Message):
    __slots__ = ("url",)
    URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    def __init__(self, url: _Optional[str] = ...) -> None: ...
