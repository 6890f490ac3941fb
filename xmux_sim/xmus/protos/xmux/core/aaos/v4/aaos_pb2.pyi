import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Info(_message.Message):
    __slots__ = ("name", "gender", "id", "programme", "intake", "nationality")
    NAME_FIELD_NUMBER: _ClassVar[int]
    GENDER_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAMME_FIELD_NUMBER: _ClassVar[int]
    INTAKE_FIELD_NUMBER: _ClassVar[int]
    NATIONALITY_FIELD_NUMBER: _ClassVar[int]
    name: str
    gender: str
    id: str
    programme: str
    intake: _timestamp_pb2.Timestamp
    nationality: str
    def __init__(self, name: _Optional[str] = ..., gender: _Optional[str] = ..., id: _Optional[str] = ..., programme: _Optional[str] = ..., intake: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., nationality: _Optional[str] = ...) -> None: ...

class Timetable(_message.Message):
    __slots__ = ("classes", "lastUpdate")
    class Class(_message.Message):
        __slots__ = ("cid", "name", "lecturer", "room", "begin", "end", "day")
        CID_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        LECTURER_FIELD_NUMBER: _ClassVar[int]
        ROOM_FIELD_NUMBER: _ClassVar[int]
        BEGIN_FIELD_NUMBER: _ClassVar[int]
        END_FIELD_NUMBER: _ClassVar[int]
        DAY_FIELD_NUMBER: _ClassVar[int]
        cid: str
        name: str
        lecturer: str
        room: str
        begin: _timestamp_pb2.Timestamp
        end: _timestamp_pb2.Timestamp
        day: int
        def __init__(self, cid: _Optional[str] = ..., name: _Optional[str] = ..., lecturer: _Optional[str] = ..., room: _Optional[str] = ..., begin: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., day: _Optional[int] = ...) -> None: ...
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    LASTUPDATE_FIELD_NUMBER: _ClassVar[int]
    classes: _containers.RepeatedCompositeFieldContainer[Timetable.Class]
    lastUpdate: _timestamp_pb2.Timestamp
    def __init__(self, classes: _Optional[_Iterable[_Union[Timetable.Class, _Mapping]]] = ..., lastUpdate: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Courses(_message.Message):
    __slots__ = ("courses",)
    class Course(_message.Message):
        __slots__ = ("name", "credit", "lecturer")
        NAME_FIELD_NUMBER: _ClassVar[int]
        CREDIT_FIELD_NUMBER: _ClassVar[int]
        LECTURER_FIELD_NUMBER: _ClassVar[int]
        name: str
        credit: int
        lecturer: str
        def __init__(self, name: _Optional[str] = ..., credit: _Optional[int] = ..., lecturer: _Optional[str] = ...) -> None: ...
    COURSES_FIELD_NUMBER: _ClassVar[int]
    courses: _containers.RepeatedCompositeFieldContainer[Courses.Course]
    def __init__(self, courses: _Optional[_Iterable[_Union[Courses.Course, _Mapping]]] = ...) -> None: ...

class Exams(_message.Message):
    __slots__ = ("exams", "lastUpdate")
    class Exam(_message.Message):
        __slots__ = ("exam", "begin", "end", "venue", "courseName", "type", "status")
        EXAM_FIELD_NUMBER: _ClassVar[int]
        BEGIN_FIELD_NUMBER: _ClassVar[int]
        END_FIELD_NUMBER: _ClassVar[int]
        VENUE_FIELD_NUMBER: _ClassVar[int]
        COURSENAME_FIELD_NUMBER: _ClassVar[int]
        TYPE_FIELD_NUMBER: _ClassVar[int]
        STATUS_FIELD_NUMBER: _ClassVar[int]
        exam: str
        begin: _timestamp_pb2.Timestamp
        end: _timestamp_pb2.Timestamp
        venue: str
        courseName: str
        type: str
        status: str
        def __init__(self, exam: _Optional[str] = ..., begin: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., venue: _Optional[str] = ..., courseName: _Optional[str] = ..., type: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...
    EXAMS_FIELD_NUMBER: _ClassVar[int]
    LASTUPDATE_FIELD_NUMBER: _ClassVar[int]
    exams: _containers.RepeatedCompositeFieldContainer[Exams.Exam]
    lastUpdate: _timestamp_pb2.Timestamp
    def __init__(self, exams: _Optional[_Iterable[_Union[Exams.Exam, _Mapping]]] = ..., lastUpdate: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Transcript(_message.Message):
    __slots__ = ("sessions",)
    class Session(_message.Message):
        __slots__ = ("session", "courses", "gpa", "cGpa")
        class Course(_message.Message):
            __slots__ = ("code", "name", "credit", "grade", "point")
            CODE_FIELD_NUMBER: _ClassVar[int]
            NAME_FIELD_NUMBER: _ClassVar[int]
            CREDIT_FIELD_NUMBER: _ClassVar[int]
            GRADE_FIELD_NUMBER: _ClassVar[int]
            POINT_FIELD_NUMBER: _ClassVar[int]
            code: str
            name: str
            credit: int
            grade: str
            point: float
            def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., credit: _Optional[int] = ..., grade: _Optional[str] = ..., point: _Optional[float] = ...) -> None: ...
        SESSION_FIELD_NUMBER: _ClassVar[int]
        COURSES_FIELD_NUMBER: _ClassVar[int]
        GPA_FIELD_NUMBER: _ClassVar[int]
        CGPA_FIELD_NUMBER: _ClassVar[int]
        session: str
        courses: _containers.RepeatedCompositeFieldContainer[Transcript.Session.Course]
        gpa: float
        cGpa: float
        def __init__(self, session: _Optional[str] = ..., courses: _Optional[_Iterable[_Union[Transcript.Session.Course, _Mapping]]] = ..., gpa: _Optional[float] = ..., cGpa: _Optional[float] = ...) -> None: ...
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[Transcript.Session]
    def __init__(self, sessions: _Optional[_Iterable[_Union[Transcript.Session, _Mapping]]] = ...) -> None: ...
