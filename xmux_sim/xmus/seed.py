"""Deterministic seed data: the same (seed, size) always gives the same data.

Each part (students, devices, academics, forum, items, objects, news) draws from its own
random stream, so a service that loads only its part does not depend on the others'
order, and the host (tests, load generators) regenerates exactly what the services
loaded. The academic records and the forum live in ``seed_academics`` and ``seed_forum``.

Data has the shapes the real services read: user ids are lower-case campus ids, and a
lost-and-found item is the document the real service decodes (see ``items``).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
"""Every seeded timestamp of user activity lies in the 180 days after this instant."""
SPAN = timedelta(days=180)


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
UNREGISTERED_EVERY = 10
"""Every tenth student has a campus account but no XMUX profile yet: Login answers NEED_REGISTER."""

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
PROGRAMMES_LIST = sorted(PROGRAMMES.values())
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
NATIONALITIES = ["Malaysia", "China", "Indonesia", "Bangladesh", "Pakistan", "Egypt", "Korea"]
GENDERS = ["Male", "Female"]
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
PHONES = ["iPhone 14", "Pixel 8", "Galaxy S23", "Redmi Note 12", "iPad Air"]
BIZ = ("avatar", "forum", "lost_found", "misc")
LOST, FOUND = 0, 1
"""xmux.lost_found.v4.LostAndFoundType values, as the real service stores them (int32)."""


def rng(seed: int, part: str) -> random.Random:
    return random.Random(f"{seed}:{part}")


def moment(r: random.Random) -> datetime:
    """A seeded instant of user activity (second precision, as the real services store it)."""
    return EPOCH + timedelta(seconds=r.randrange(int(SPAN.total_seconds())))


@dataclass(frozen=True)
class Student:
    campus_id: str
    """As printed on the campus card (upper-case letters); the app sends it lower-cased."""
    password: str
    name: str
    email: str
    programme: str
    intake_year: int
    staff: bool
    gender: str
    nationality: str
    display_name: str
    avatar: str
    """The static URL of the profile picture (a seeded object)."""
    registered: bool
    """Whether the student has an XMUX profile (else Login answers NEED_REGISTER)."""

    @property
    def uid(self) -> str:
        """The user id every real service keys data by: the lower-case campus id."""
        return self.campus_id.lower()

    @property
    def salt(self) -> bytes:
        # Derived, not drawn: hashes are reproducible and independent of generation order.
        return hashlib.sha256(f"salt:{self.uid}".encode()).digest()[:16]


@cache
def students(seed: int, size: str) -> tuple[Student, ...]:
    r = rng(seed, "students")
    n = SIZES[size]
    out: list[Student] = []
    seen: set[str] = set()
    avatars = [f"/v4/oss/{name}" for name, _, _ in objects(seed, size) if name.startswith("avatar/")]

    def person(campus_id: str, staff: bool, programme: str, year: int) -> Student:
        given, family = r.choice(GIVEN), r.choice(FAMILY)
        return Student(
            campus_id=campus_id,
            password=f"pw-{r.getrandbits(48):012x}",
            name=f"Dr. {given} {family}" if staff else f"{given} {family}",
            email=f"staff{campus_id}@xmu.edu.my" if staff else f"{campus_id.lower()}@xmu.edu.my",
            programme=programme,
            intake_year=year,
            staff=staff,
            gender=r.choice(GENDERS),
            nationality=r.choice(NATIONALITIES),
            display_name=f"{given.lower()}{r.randrange(1000)}",
            avatar=avatars[len(out) % len(avatars)],
            registered=staff or len(out) % UNREGISTERED_EVERY != UNREGISTERED_EVERY - 1,
        )

    while len(out) < n.students:
        prog = r.choice(list(PROGRAMMES))
        year = r.choice([2019, 2020, 2021, 2022, 2023])
        campus_id = f"{prog}{year % 100:02d}{r.randrange(10):01d}{r.randrange(10_000):04d}"
        if campus_id not in seen:
            seen.add(campus_id)
            out.append(person(campus_id, False, PROGRAMMES[prog], year))
    while len(out) < n.students + n.staff:
        campus_id = f"{r.randrange(10_000_000):07d}"
        if campus_id not in seen:
            seen.add(campus_id)
            out.append(person(campus_id, True, "Staff", 0))
    return tuple(out)


def registered(seed: int, size: str) -> tuple[Student, ...]:
    """The students and staff with an XMUX profile: everyone the app's calls work for."""
    return tuple(s for s in students(seed, size) if s.registered)


@dataclass(frozen=True)
class Device:
    uid: str
    device_id: str
    model: str
    name: str
    push_key: str
    last_seen: datetime


@cache
def devices(seed: int, size: str) -> tuple[Device, ...]:
    """One or two phones per registered user, as RefreshDevice left them."""
    r = rng(seed, "devices")
    out = []
    for s in registered(seed, size):
        for i in range(r.randint(1, 2)):
            model = r.choice(PHONES)
            out.append(
                Device(
                    uid=s.uid,
                    device_id=f"{r.getrandbits(64):016x}",
                    model=model,
                    name=f"{s.display_name}'s {model.split()[0]}" + (f" {i + 1}" if i else ""),
                    push_key=f"fcm:{r.getrandbits(96):024x}",
                    last_seen=moment(r),
                )
            )
    return tuple(out)


@cache
def items(seed: int, size: str) -> tuple[dict[str, Any], ...]:
    """Lost-and-found documents of collection ``items``, in the real service's shape.

    ``_id`` is a 24-hex-character ObjectId string here (the service stores an ObjectId),
    ``uid`` a lower-case campus id, ``type`` 0 Lost / 1 Found, ``timestamp`` when the thing
    was lost or found, ``contacts`` a map of how to reach the uploader, ``pictures`` the
    static URLs of seeded objects.
    """
    r = rng(seed, "items")
    people = [s.uid for s in registered(seed, size)]
    pictures = [f"/v4/oss/{name}" for name, _, _ in objects(seed, size) if name.startswith("lost_found/")]
    out = []
    stamps = sorted({moment(r) for _ in range(SIZES[size].items * 2)})
    chosen = sorted(r.sample(stamps, SIZES[size].items))
    for i, at in enumerate(chosen):
        thing = r.choice(THINGS)
        contacts = {"phone": f"+60 1{r.randint(0, 9)}-{r.randrange(10_000_000):07d}"}
        if r.random() < 0.5:
            contacts["wechat"] = f"wx_{r.getrandbits(32):08x}"
        # ObjectId layout: 4-byte seconds, then 8 bytes; here the counter makes them unique.
        oid = f"{int(at.timestamp()):08x}{seed & 0xFFFF:04x}{i:012x}"
        out.append(
            {
                "_id": oid,
                "uid": r.choice(people),
                "type": r.choice([LOST, FOUND]),
                "name": thing.title(),
                "timestamp": at,
                "location": r.choice(PLACES),
                "description": f"A {thing}, last seen at {r.choice(PLACES)}.",
                "contacts": contacts,
                "pictures": [r.choice(pictures)] if pictures and r.random() < 0.5 else [],
            }
        )
    return tuple(out)


@cache
def objects(seed: int, size: str) -> tuple[tuple[str, bytes, str], ...]:
    """(biz/name, bytes, content type) of small objects in the bucket."""
    r = rng(seed, "objects")
    out = []
    for i in range(SIZES[size].objects):
        biz = BIZ[i % len(BIZ)]
        data = r.randbytes(r.randint(200, 4000))
        out.append((f"{biz}/seed-{i:04d}.bin", data, "application/octet-stream"))
    return tuple(out)


@cache
def news(seed: int, size: str) -> tuple[dict[str, Any], ...]:
    r = rng(seed, "news")
    out = []
    for i in range(SIZES[size].news):
        at = moment(r)
        out.append(
            {
                "id": i + 1,
                "title": f"{r.choice(['Notice', 'Event', 'Talk', 'Holiday'])}: {r.choice(PROGRAMMES_LIST)}",
                "url": f"https://www.xmu.edu.my/news/{i + 1}",
                "published_at": at,
            }
        )
    out.sort(key=lambda n: (n["published_at"], n["id"]), reverse=True)
    return tuple(out)
