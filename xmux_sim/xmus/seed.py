"""Deterministic seed data: the same (seed, size) always gives the same data.

Each part (students, academics, forum, items, objects, news) draws from its own random
stream, so a service that loads only its part does not depend on the others' order, and
the host (tests, load generators) regenerates exactly what the services loaded.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
"""Every seeded timestamp lies in the 180 days after this instant (well before any test)."""
SPAN = timedelta(days=180)
SESSION = "2024/04"


@dataclass(frozen=True)
class Size:
    students: int
    staff: int
    threads_per_student: float
    posts_per_thread: int
    items: int
    objects: int
    news: int


SIZES: dict[str, Size] = {
    "small": Size(
        students=60, staff=5, threads_per_student=0.5, posts_per_thread=3, items=35, objects=8, news=12
    ),
    "load": Size(
        students=10_000,
        staff=200,
        threads_per_student=0.2,
        posts_per_thread=3,
        items=2_000,
        objects=50,
        news=30,
    ),
}

PROGRAMMES = {
    "SWE": "Software Engineering",
    "CST": "Computer Science and Technology",
    "AIT": "Artificial Intelligence",
    "ECE": "Electrical and Computer Engineering",
    "ACC": "Accounting",
    "FIN": "Finance",
    "MKT": "Marketing",
    "CHE": "Chemical Engineering",
}
GIVEN = [
    "Wei",
    "Jia",
    "Hui",
    "Ming",
    "Aisyah",
    "Arjun",
    "Mei",
    "Hao",
    "Nur",
    "Priya",
    "Jun",
    "Siti",
    "Kai",
    "Lin",
]
FAMILY = ["Tan", "Lim", "Lee", "Wong", "Ng", "Chen", "Abdullah", "Kumar", "Zhang", "Ong", "Rahman", "Liu"]
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
SLOTS = [("08:00", "09:50"), ("10:00", "11:50"), ("12:00", "13:50"), ("14:00", "15:50"), ("16:00", "17:50")]
PLACES = [
    "Library",
    "Canteen A",
    "Sports Complex",
    "Block A2",
    "Lecture Theatre 2",
    "Bus Stop",
    "Dormitory D3",
]
THINGS = [
    "umbrella",
    "student card",
    "water bottle",
    "earphones",
    "calculator",
    "laptop charger",
    "keys",
    "wallet",
]
FORUMS = [(1, "General"), (2, "Academic"), (3, "Campus Life"), (4, "Marketplace"), (5, "Events")]
BIZ = ("avatar", "forum", "lost_found", "misc")


def _rng(seed: int, part: str) -> random.Random:
    return random.Random(f"{seed}:{part}")


def _at(rng: random.Random) -> datetime:
    return EPOCH + timedelta(seconds=rng.randrange(int(SPAN.total_seconds())))


@dataclass(frozen=True)
class Student:
    campus_id: str
    password: str
    name: str
    email: str
    programme: str
    intake_year: int
    staff: bool

    @property
    def salt(self) -> bytes:
        # Derived, not drawn: hashes are reproducible and independent of generation order.
        return hashlib.sha256(f"salt:{self.campus_id}".encode()).digest()[:16]


@cache
def students(seed: int, size: str) -> tuple[Student, ...]:
    rng = _rng(seed, "students")
    n = SIZES[size]
    out: list[Student] = []
    seen: set[str] = set()
    while len(out) < n.students:
        prog = rng.choice(list(PROGRAMMES))
        year = rng.choice([2019, 2020, 2021, 2022, 2023])
        campus_id = f"{prog}{year % 100:02d}{rng.randrange(10):01d}{rng.randrange(10_000):04d}"
        if campus_id in seen:
            continue
        seen.add(campus_id)
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        out.append(
            Student(
                campus_id=campus_id,
                password=f"pw-{rng.getrandbits(48):012x}",
                name=name,
                email=f"{campus_id.lower()}@xmu.edu.my",
                programme=PROGRAMMES[prog],
                intake_year=year,
                staff=False,
            )
        )
    while len(out) < n.students + n.staff:
        campus_id = f"{rng.randrange(10_000_000):07d}"
        if campus_id in seen:
            continue
        seen.add(campus_id)
        out.append(
            Student(
                campus_id=campus_id,
                password=f"pw-{rng.getrandbits(48):012x}",
                name=f"Dr. {rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                email=f"staff{campus_id}@xmu.edu.my",
                programme="Staff",
                intake_year=0,
                staff=True,
            )
        )
    return tuple(out)


def academic_record(seed: int, campus_id: str, intake_year: int) -> dict[str, object]:
    """Timetable, exams, transcript and courses of one student: one MongoDB document."""
    rng = _rng(seed, f"academics:{campus_id}")
    current = rng.sample(COURSES, 5)
    lecturers = [f"Dr. {rng.choice(FAMILY)}" for _ in current]
    classes = []
    for (code, name, _credits), lecturer in zip(current, lecturers, strict=True):
        for kind in ("Lecture", "Tutorial"):
            start, end = rng.choice(SLOTS)
            classes.append(
                {
                    "course_code": code,
                    "course_name": name,
                    "day_of_week": rng.randint(1, 5),
                    "start": start,
                    "end": end,
                    "room": rng.choice(ROOMS),
                    "lecturer": lecturer,
                    "type": kind,
                }
            )
    classes.sort(key=lambda c: (c["day_of_week"], c["start"], c["course_code"]))
    exams = []
    for i, (code, name, _credits) in enumerate(current):
        start, end = rng.choice(SLOTS[:4])
        exams.append(
            {
                "course_code": code,
                "course_name": name,
                "date": f"2024-07-{10 + i * 2:02d}",
                "start": start,
                "end": end,
                "venue": rng.choice(["Hall A", "Hall B", "Sports Complex"]),
                "seat": f"{rng.choice('ABCDEFGH')}{rng.randint(1, 40)}",
            }
        )
    sessions = []
    taken = [c for c in COURSES if c not in current]
    rng.shuffle(taken)
    n_sessions = max(1, min(4, 2024 - intake_year)) if intake_year else 0
    total_points = 0.0
    total_credits = 0
    for s in range(n_sessions):
        results = []
        points = 0.0
        credits = 0
        for code, name, cr in taken[s * 3 : s * 3 + 3]:
            grade, gp = rng.choice(GRADES)
            results.append(
                {"course_code": code, "course_name": name, "credits": cr, "grade": grade, "grade_point": gp}
            )
            points += gp * cr
            credits += cr
        total_points += points
        total_credits += credits
        sessions.append(
            {"session": f"{2024 - n_sessions + s}/09", "courses": results, "gpa": round(points / credits, 2)}
        )
    return {
        "_id": campus_id,
        "session": SESSION,
        "timetable": classes,
        "exams": exams,
        "transcript": {
            "sessions": sessions,
            "cgpa": round(total_points / total_credits, 2) if total_credits else 0.0,
            "total_credits": total_credits,
        },
        "courses": [
            {"code": code, "name": name, "credits": cr, "lecturer": lecturer}
            for (code, name, cr), lecturer in zip(current, lecturers, strict=True)
        ],
    }


@dataclass(frozen=True)
class Thread:
    id: int
    forum_id: int
    author: str
    title: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class Post:
    id: int
    thread_id: int
    parent_id: int | None
    author: str
    body: str
    created_at: datetime


@cache
def forum(seed: int, size: str) -> tuple[tuple[Thread, ...], tuple[Post, ...]]:
    rng = _rng(seed, "forum")
    n = SIZES[size]
    people = [s.campus_id for s in students(seed, size)]
    n_threads = max(1, int(len(people) * n.threads_per_student))
    threads: list[Thread] = []
    posts: list[Post] = []
    for tid in range(1, n_threads + 1):
        created = _at(rng)
        topic = rng.choice(THINGS + [c[1] for c in COURSES])
        threads.append(
            Thread(
                id=tid,
                forum_id=rng.choice(FORUMS)[0],
                author=rng.choice(people),
                title=f"Anyone know about {topic}? #{tid}",
                body=f"Asking about {topic} near {rng.choice(PLACES)}.",
                created_at=created,
            )
        )
        at = created
        thread_posts: list[int] = []
        for _ in range(rng.randint(0, n.posts_per_thread)):
            at += timedelta(minutes=rng.randint(1, 600))
            pid = len(posts) + 1
            parent = rng.choice(thread_posts) if thread_posts and rng.random() < 0.4 else None
            posts.append(
                Post(
                    id=pid,
                    thread_id=tid,
                    parent_id=parent,
                    author=rng.choice(people),
                    body=f"Reply {pid}: try {rng.choice(PLACES)}.",
                    created_at=at,
                )
            )
            thread_posts.append(pid)
    return tuple(threads), tuple(posts)


@cache
def items(seed: int, size: str) -> tuple[dict[str, object], ...]:
    """Lost-and-found documents; ``_id`` is a 24-hex-char ObjectId string (12 bytes)."""
    rng = _rng(seed, "items")
    people = [s.campus_id for s in students(seed, size)]
    out = []
    stamps = sorted({_at(rng) for _ in range(SIZES[size].items * 2)})
    chosen = sorted(rng.sample(stamps, SIZES[size].items))
    for i, at in enumerate(chosen):
        thing = rng.choice(THINGS)
        # ObjectId layout: 4-byte seconds, then 8 bytes; here the counter makes them unique.
        oid = f"{int(at.timestamp()):08x}{seed & 0xFFFF:04x}{i:012x}"
        out.append(
            {
                "_id": oid,
                "type": rng.choice(["LOST", "FOUND"]),
                "name": thing.title(),
                "location": rng.choice(PLACES),
                "timestamp": at,
                "description": f"A {thing}, last seen at {rng.choice(PLACES)}.",
                "contact": f"+60 1{rng.randint(0, 9)}-{rng.randrange(10_000_000):07d}",
                "uploader": rng.choice(people),
                "pictures": [],
            }
        )
    return tuple(out)


@cache
def objects(seed: int, size: str) -> tuple[tuple[str, bytes, str], ...]:
    """(biz/name, bytes, content type) of small objects in the bucket."""
    rng = _rng(seed, "objects")
    out = []
    for i in range(SIZES[size].objects):
        biz = BIZ[i % len(BIZ)]
        data = rng.randbytes(rng.randint(200, 4000))
        out.append((f"{biz}/seed-{i:04d}.bin", data, "application/octet-stream"))
    return tuple(out)


@cache
def news(seed: int, size: str) -> tuple[dict[str, object], ...]:
    rng = _rng(seed, "news")
    out = []
    for i in range(SIZES[size].news):
        at = _at(rng)
        out.append(
            {
                "id": i + 1,
                "title": f"{rng.choice(['Notice', 'Event', 'Talk', 'Holiday'])}: {rng.choice(COURSES)[1]}",
                "url": f"https://www.xmu.edu.my/news/{i + 1}",
                "published_at": at,
            }
        )
    out.sort(key=lambda n: (n["published_at"], n["id"]), reverse=True)
    return tuple(out)
