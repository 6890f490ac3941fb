"""Seeded academic records: one MongoDB document per student, in the AAOS messages' shapes.

The real AAOS reads the campus system; the stand-in keeps what it would have read in
collection ``academics`` (a stand-in's own collection: no real service shares it). Times
are instants (UTC in MongoDB); class and exam times are set in Malaysian time, as the
campus is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from xmux_sim.xmus.seed import Student, rng

MYT = timezone(timedelta(hours=8), "MYT")
SESSION_START = date(2024, 4, 1)
"""Monday of the first week of the current session."""
SESSION_WEEKS = 14
EXAMS_START = date(2024, 7, 15)
LAST_UPDATE = datetime(2024, 3, 25, 9, 0, tzinfo=MYT)
"""When the stand-in last "read" the campus system (Timetable.lastUpdate, Exams.lastUpdate)."""

COURSES = [
    ("SOF103", "Programming Principles", 4),
    ("SOF202", "Data Structures", 4),
    ("SOF303", "Software Architecture", 3),
    ("CST201", "Computer Networks", 3),
    ("CST305", "Operating Systems", 4),
    ("MAT101", "Calculus I", 3),
    ("MAT205", "Linear Algebra", 3),
    ("STA201", "Probability and Statistics", 3),
    ("ENG101", "Academic English", 2),
    ("CHI101", "Chinese Language I", 2),
    ("ECE210", "Signals and Systems", 4),
    ("ACC101", "Financial Accounting", 3),
    ("FIN202", "Corporate Finance", 3),
    ("MKT210", "Consumer Behaviour", 3),
    ("AIT301", "Machine Learning", 4),
    ("AIT302", "Computer Vision", 3),
]
GRADES = [("A", 4.0), ("A-", 3.7), ("B+", 3.3), ("B", 3.0), ("B-", 2.7), ("C+", 2.3), ("C", 2.0), ("D", 1.0)]
ROOMS = ["A1#101", "A2#204", "A3#G01", "B1#301", "B2#112", "C1#LT2", "LY1#201", "D4#LAB3"]
SLOTS = [(time(8), time(9, 50)), (time(10), time(11, 50)), (time(14), time(15, 50)), (time(16), time(17, 50))]
VENUES = ["Hall A", "Hall B", "Sports Complex"]


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, MYT).astimezone(UTC)


def academic_record(seed: int, person: Student) -> dict[str, object]:
    """Info, timetable, exams, transcript and courses of one person: one MongoDB document."""
    r = rng(seed, f"academics:{person.uid}")
    current = r.sample(COURSES, 5)
    lecturers = [f"Dr. {r.choice(['Tan', 'Lim', 'Lee', 'Wong', 'Chen', 'Kumar'])}" for _ in current]
    meetings = []
    for (code, name, _credit), lecturer in zip(current, lecturers, strict=True):
        for _meeting in range(2):
            day = r.randint(1, 5)
            start, end = r.choice(SLOTS)
            first = SESSION_START + timedelta(days=day - 1)
            last = first + timedelta(weeks=SESSION_WEEKS - 1)
            meetings.append(
                (
                    (day, start, code),
                    {
                        "cid": code,
                        "name": name,
                        "lecturer": lecturer,
                        "room": r.choice(ROOMS),
                        "begin": _at(first, start),
                        "end": _at(last, end),
                        "day": day,
                    },
                )
            )
    classes = [c for _, c in sorted(meetings, key=lambda m: m[0])]
    exams = []
    for i, (code, name, _credit) in enumerate(current):
        start, end = r.choice(SLOTS)
        exam_day = EXAMS_START + timedelta(days=2 * i)
        exams.append(
            {
                "exam": f"{code} Final Examination",
                "begin": _at(exam_day, start),
                "end": _at(exam_day, end),
                "venue": r.choice(VENUES),
                "courseName": name,
                "type": "Final",
                "status": "Confirmed",
            }
        )
    taken = [c for c in COURSES if c not in current]
    r.shuffle(taken)
    n_sessions = max(1, min(4, 2024 - person.intake_year)) if person.intake_year else 0
    sessions = []
    total_points = 0.0
    total_credits = 0
    for s in range(n_sessions):
        results = []
        points = 0.0
        credits = 0
        for code, name, credit in taken[s * 3 : s * 3 + 3]:
            grade, point = r.choice(GRADES)
            results.append({"code": code, "name": name, "credit": credit, "grade": grade, "point": point})
            points += point * credit
            credits += credit
        total_points += points
        total_credits += credits
        sessions.append(
            {
                "session": f"{2024 - n_sessions + s}/09",
                "courses": results,
                "gpa": round(points / credits, 2),
                "cGpa": round(total_points / total_credits, 2),
            }
        )
    intake = _at(date(person.intake_year, 9, 1), time(0)) if person.intake_year else None
    return {
        "_id": person.uid,
        "info": {
            "name": person.name,
            "gender": person.gender,
            "id": person.campus_id,
            "programme": person.programme,
            "intake": intake,
            "nationality": person.nationality,
        },
        "last_update": LAST_UPDATE.astimezone(UTC),
        "timetable": classes,
        "exams": exams,
        "transcript": sessions,
        "courses": [
            {"name": name, "credit": credit, "lecturer": lecturer}
            for (_code, name, credit), lecturer in zip(current, lecturers, strict=True)
        ],
    }
