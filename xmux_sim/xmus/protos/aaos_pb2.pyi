from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetTimetableReq(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetExamsReq(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetTranscriptReq(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCoursesReq(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Class(_message.Message):
    __slots__ = ("course_code", "course_name", "day_of_week", "start", "end", "room", "lecturer", "type")
    COURSE_CODE_FIELD_NUMBER: _ClassVar[int]
    COURSE_NAME_FIELD_NUMBER: _ClassVar[int]
    DAY_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    LECTURER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    course_code: str
    course_name: str
    day_of_week: int
    start: str
    end: str
    room: str
    lecturer: str
    type: str
    def __init__(self, course_code: _Optional[str] = ..., course_name: _Optional[str] = ..., day_of_week: _Optional[int] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., room: _Optional[str] = ..., lecturer: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class Timetable(_message.Message):
    __slots__ = ("session", "classes")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    session: str
    classes: _containers.RepeatedCompositeFieldContainer[Class]
    def __init__(self, session: _Optional[str] = ..., classes: _Optional[_Iterable[_Union[Class, _Mapping]]] = ...) -> None: ...

class Exam(_message.Message):
    __slots__ = ("course_code", "course_name", "date", "start", "end", "venue", "seat")
    COURSE_CODE_FIELD_NUMBER: _ClassVar[int]
    COURSE_NAME_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SEAT_FIELD_NUMBER: _ClassVar[int]
    course_code: str
    course_name: str
    date: str
    start: str
    end: str
    venue: str
    seat: str
    def __init__(self, course_code: _Optional[str] = ..., course_name: _Optional[str] = ..., date: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., venue: _Optional[str] = ..., seat: _Optional[str] = ...) -> None: ...

class Exams(_message.Message):
    __slots__ = ("exams",)
    EXAMS_FIELD_NUMBER: _ClassVar[int]
    exams: _containers.RepeatedCompositeFieldContainer[Exam]
    def __init__(self, exams: _Optional[_Iterable[_Union[Exam, _Mapping]]] = ...) -> None: ...

class CourseResult(_message.Message):
    __slots__ = ("course_code", "course_name", "credits", "grade", "grade_point")
    COURSE_CODE_FIELD_NUMBER: _ClassVar[int]
    COURSE_NAME_FIELD_NUMBER: _ClassVar[int]
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    GRADE_POINT_FIELD_NUMBER: _ClassVar[int]
    course_code: str
    course_name: str
    credits: int
    grade: str
    grade_point: float
    def __init__(self, course_code: _Optional[str] = ..., course_name: _Optional[str] = ..., credits: _Optional[int] = ..., grade: _Optional[str] = ..., grade_point: _Optional[float] = ...) -> None: ...

class SessionResult(_message.Message):
    __slots__ = ("session", "courses", "gpa")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    COURSES_FIELD_NUMBER: _ClassVar[int]
    GPA_FIELD_NUMBER: _ClassVar[int]
    session: str
    courses: _containers.RepeatedCompositeFieldContainer[CourseResult]
    gpa: float
    def __init__(self, session: _Optional[str] = ..., courses: _Optional[_Iterable[_Union[CourseResult, _Mapping]]] = ..., gpa: _Optional[float] = ...) -> None: ...

class Transcript(_message.Message):
    __slots__ = ("sessions", "cgpa", "total_credits")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    CGPA_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CREDITS_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[SessionResult]
    cgpa: float
    total_credits: int
    def __init__(self, sessions: _Optional[_Iterable[_Union[SessionResult, _Mapping]]] = ..., cgpa: _Optional[float] = ..., total_credits: _Optional[int] = ...) -> None: ...

class Course(_message.Message):
    __slots__ = ("code", "name", "credits", "lecturer")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    LECTURER_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    credits: int
    lecturer: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., credits: _Optional[int] = ..., lecturer: _Optional[str] = ...) -> None: ...

class Courses(_message.Message):
    __slots__ = ("session", "courses")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    COURSES_FIELD_NUMBER: _ClassVar[int]
    session: str
    courses: _containers.RepeatedCompositeFieldContainer[Course]
    def __init__(self, session: _Optional[str] = ..., courses: _Optional[_Iterable[_Union[Course, _Mapping]]] = ...) -> None: ...
