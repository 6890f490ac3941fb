"""The seeded forum: boards, threads, posts, likes, saves, notifications, memberships.

Rows in the shapes of the real forum's tables (schema ``forum``): ids are ints, user ids
lower-case campus ids, a thread's body and a post's content a JSON object
``{"content": ..., "images": [...]}`` tagged with the proto's oneof field number (30 plain,
31 markdown), counters (likes, posts) consistent with the rows they count, and one
notification per reply to somebody else's thread or post.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from xmux_sim.xmus.seed import PLACES, SIZES, THINGS, moment, objects, registered, rng, students

PLAIN, MARKDOWN = 30, 31
"""Oneof field numbers of PlainContent / MarkdownContent: the real forum's body_type."""
POST_REPLY, REPLY_REPLY = 0, 1
"""xmux.forum.v4.NotifType values."""
BOARDS = [
    ("General", "Anything about campus life that fits nowhere else"),
    ("Academic", "Courses, lecturers, exams and assignments"),
    ("Campus Life", "Food, dormitories, buses and sports"),
    ("Marketplace", "Buy, sell and give away"),
    ("Events", "Talks, clubs and festivals"),
]
REPORT_TYPES = (
    (0, "spam"),
    (1, "violence"),
    (2, "sexual"),
    (3, "false_information"),
    (4, "politics"),
    (5, "cyber_bullying"),
    (6, "other"),
)
TOPICS = [*THINGS, "the library hours", "bus times", "exam venues", "the canteen", "internships"]


@dataclass(frozen=True)
class Board:
    id: int
    title: str
    description: str
    creator_uid: str
    create_at: datetime


@dataclass(frozen=True)
class Thread:
    id: int
    forum_id: int
    uid: str
    title: str
    body_type: int
    body: dict[str, Any]
    create_at: datetime
    last_update: datetime
    likes: int
    posts: int
    pinned: bool
    digest: bool


@dataclass(frozen=True)
class Post:
    id: int
    thread_id: int
    forum_id: int
    uid: str
    parent_id: int
    """The post this one answers; 0 for a reply to the thread."""
    ref_post_id: int
    ref_post_uid: str
    content_type: int
    content: dict[str, Any]
    create_at: datetime
    likes: int


@dataclass(frozen=True)
class Mark:
    """A like, a save or a membership: who, which thread/post/forum, when."""

    target: int
    uid: str
    create_at: datetime


@dataclass(frozen=True)
class Notif:
    id: int
    uid: str
    sender_uid: str
    type: int
    ref_id: int
    obj_id: int
    has_read: bool
    create_at: datetime


@dataclass(frozen=True)
class Forum:
    boards: tuple[Board, ...]
    threads: tuple[Thread, ...]
    posts: tuple[Post, ...]
    thread_likes: tuple[Mark, ...]
    post_likes: tuple[Mark, ...]
    saved_threads: tuple[Mark, ...]
    saved_posts: tuple[Mark, ...]
    members: tuple[Mark, ...]
    notifs: tuple[Notif, ...]


def text_of(content: dict[str, Any]) -> str:
    return str(content["content"])


@cache
def forum(seed: int, size: str) -> Forum:
    r = rng(seed, "forum")
    n = SIZES[size]
    people = [s.uid for s in registered(seed, size)]
    staff = [s.uid for s in registered(seed, size) if s.staff]
    images = [f"/v4/oss/{name}" for name, _, _ in objects(seed, size) if name.startswith("forum/")]
    boards = tuple(
        Board(i + 1, title, description, r.choice(staff), moment(r) - timedelta(days=365))
        for i, (title, description) in enumerate(BOARDS)
    )
    threads: list[Thread] = []
    posts: list[Post] = []
    thread_likes: list[Mark] = []
    post_likes: list[Mark] = []
    saved_threads: list[Mark] = []
    saved_posts: list[Mark] = []
    notifs: list[Notif] = []

    def others(than: str, k: int) -> list[str]:
        return [p for p in r.sample(people, k + 1) if p != than][:k]

    for tid in range(1, int(len(students(seed, size)) * n.threads_per_student) + 1):
        created = moment(r)
        board = r.choice(boards)
        author = r.choice(people)
        topic = r.choice(TOPICS)
        body: dict[str, Any]
        if r.random() < 0.2:
            body_type, body = MARKDOWN, {"content": f"**{topic.title()}**: does anyone know?"}
        else:
            pictures = [r.choice(images)] if images and r.random() < 0.3 else []
            body_type, body = (
                PLAIN,
                {"content": f"Asking about {topic} near {r.choice(PLACES)}.", "images": pictures},
            )
        at = created
        mine: list[Post] = []
        for _ in range(r.randint(0, n.posts_per_thread)):
            at += timedelta(minutes=r.randint(1, 600))
            parent = r.choice(mine) if mine and r.random() < 0.4 else None
            pid = len(posts) + 1
            post = Post(
                id=pid,
                thread_id=tid,
                forum_id=board.id,
                uid=r.choice(people),
                parent_id=parent.id if parent else 0,
                ref_post_id=parent.id if parent else 0,
                ref_post_uid=parent.uid if parent else "",
                content_type=PLAIN,
                content={"content": f"Reply {pid}: try {r.choice(PLACES)}.", "images": []},
                create_at=at,
                likes=0,
            )
            fans = others(post.uid, 1) if r.random() < 0.3 else []
            post_likes += [Mark(pid, fan, at + timedelta(minutes=5)) for fan in fans]
            post = replace(post, likes=len(fans))
            if r.random() < 0.3:
                saved_posts += [Mark(pid, saver, at + timedelta(minutes=9)) for saver in others(post.uid, 1)]
            recipient, kind, ref = (
                (parent.uid, REPLY_REPLY, parent.id) if parent else (author, POST_REPLY, tid)
            )
            if recipient != post.uid:
                notifs.append(
                    Notif(len(notifs) + 1, recipient, post.uid, kind, ref, pid, r.random() < 0.5, at)
                )
            mine.append(post)
            posts.append(post)
        fans = others(author, r.randint(0, 3))
        thread_likes += [Mark(tid, fan, created + timedelta(minutes=3 + i)) for i, fan in enumerate(fans)]
        if r.random() < 0.3:
            saved_threads += [Mark(tid, saver, created + timedelta(hours=1)) for saver in others(author, 1)]
        threads.append(
            Thread(
                id=tid,
                forum_id=board.id,
                uid=author,
                title=f"Anyone know about {topic}? #{tid}",
                body_type=body_type,
                body=body,
                create_at=created,
                last_update=at,
                likes=len(fans),
                posts=len(mine),
                pinned=r.random() < 0.05,
                digest=r.random() < 0.05,
            )
        )
    members = tuple(
        Mark(board.id, uid, boards[0].create_at + timedelta(days=1))
        for uid in people
        for board in r.sample(boards, r.randint(1, 2))
    )
    return Forum(
        boards=boards,
        threads=tuple(threads),
        posts=tuple(posts),
        thread_likes=tuple(thread_likes),
        post_likes=tuple(post_likes),
        saved_threads=tuple(saved_threads),
        saved_posts=tuple(saved_posts),
        members=members,
        notifs=tuple(notifs),
    )
