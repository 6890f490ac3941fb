"""Seed data: deterministic, plausible, and in the shapes the real services read."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from xmux_sim.xmus import seed
from xmux_sim.xmus.credentials import STAFF_ID, STUDENT_ID
from xmux_sim.xmus.seed_academics import MYT, academic_record
from xmux_sim.xmus.seed_forum import MARKDOWN, PLAIN, POST_REPLY, REPLY_REPLY, forum


def test_same_seed_same_data_other_seed_other_data() -> None:
    seed.students.cache_clear()
    first = seed.students(7, "small")
    seed.students.cache_clear()
    assert seed.students(7, "small") == first
    assert seed.students(8, "small") != first
    assert academic_record(7, first[0]) == academic_record(7, first[0])
    forum.cache_clear()
    one = forum(7, "small")
    forum.cache_clear()
    assert forum(7, "small") == one


def test_campus_ids_follow_the_real_patterns_and_user_ids_are_lower_case() -> None:
    people = seed.students(1, "small")
    size = seed.SIZES["small"]
    assert len(people) == size.students + size.staff
    assert len({p.uid for p in people}) == len(people)
    for p in people:
        pattern = STAFF_ID if p.staff else STUDENT_ID
        assert pattern.fullmatch(p.campus_id), p.campus_id
        assert p.uid == p.campus_id.lower()
        if not p.staff:
            assert p.campus_id[:3] in seed.PROGRAMMES
            assert int(p.campus_id[3:5]) == p.intake_year % 100


def test_some_students_have_no_profile_yet_and_staff_all_have() -> None:
    people = seed.students(1, "small")
    unregistered = [p for p in people if not p.registered]
    assert 0 < len(unregistered) < len(people) // 5
    assert all(p.registered for p in people if p.staff)
    assert set(seed.registered(1, "small")) == set(people) - set(unregistered)
    assert {d.uid for d in seed.devices(1, "small")} == {p.uid for p in seed.registered(1, "small")}


def test_transcripts_have_the_gpa_of_their_grades() -> None:
    for p in seed.students(1, "small")[:20]:
        sessions = academic_record(1, p)["transcript"]
        assert isinstance(sessions, list)
        points = credits = 0.0
        for s in sessions:
            gp = sum(c["point"] * c["credit"] for c in s["courses"])
            cr = sum(c["credit"] for c in s["courses"])
            points, credits = points + gp, credits + cr
            assert (s["gpa"], s["cGpa"]) == (round(gp / cr, 2), round(points / credits, 2))


def test_classes_meet_weekly_on_their_day_through_the_session() -> None:
    record = academic_record(1, seed.students(1, "small")[0])
    classes = record["timetable"]
    assert isinstance(classes, list) and classes
    for c in classes:
        begin, end = c["begin"], c["end"]
        assert begin.tzinfo is not None and end > begin
        local = begin.astimezone(MYT)
        assert local.isoweekday() == c["day"] and 8 <= local.hour <= 16
        assert (end - begin).days == 7 * 13  # the last meeting, 13 weeks after the first


def test_forum_counters_match_the_rows_they_count() -> None:
    f = forum(1, "small")
    threads = {t.id: t for t in f.threads}
    posts = {p.id: p for p in f.posts}
    assert [t.id for t in f.threads] == list(range(1, len(f.threads) + 1))
    assert {t.body_type for t in f.threads} == {PLAIN, MARKDOWN}
    for t in f.threads:
        assert t.posts == sum(1 for p in f.posts if p.thread_id == t.id)
        assert t.likes == sum(1 for m in f.thread_likes if m.target == t.id)
        assert t.last_update >= t.create_at
    for p in f.posts:
        assert p.create_at > threads[p.thread_id].create_at and p.forum_id == threads[p.thread_id].forum_id
        assert p.likes == sum(1 for m in f.post_likes if m.target == p.id)
        if p.parent_id:
            parent = posts[p.parent_id]
            assert parent.thread_id == p.thread_id and (p.ref_post_id, p.ref_post_uid) == (
                parent.id,
                parent.uid,
            )
    assert any(p.parent_id for p in f.posts)


def test_every_reply_to_somebody_else_is_one_notification() -> None:
    f = forum(1, "small")
    threads = {t.id: t for t in f.threads}
    posts = {p.id: p for p in f.posts}
    expected = set()
    for p in f.posts:
        if p.parent_id:
            recipient, kind, ref = posts[p.parent_id].uid, REPLY_REPLY, p.parent_id
        else:
            recipient, kind, ref = threads[p.thread_id].uid, POST_REPLY, p.thread_id
        if recipient != p.uid:
            expected.add((recipient, p.uid, kind, ref, p.id))
    got = [(n.uid, n.sender_uid, n.type, n.ref_id, n.obj_id) for n in f.notifs]
    assert len(got) == len(set(got)) and set(got) == expected


def test_items_are_the_real_lost_and_found_documents() -> None:
    items = seed.items(1, "small")
    ids = [str(i["_id"]) for i in items]
    assert all(re.fullmatch(r"[0-9a-f]{24}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    uids = {s.uid for s in seed.students(1, "small")}
    for item in items:
        assert set(item) == {
            "_id",
            "uid",
            "type",
            "name",
            "timestamp",
            "location",
            "description",
            "contacts",
            "pictures",
        }
        assert item["uid"] in uids and item["type"] in (seed.LOST, seed.FOUND)
        assert isinstance(item["contacts"], dict) and all(
            isinstance(v, str) for v in item["contacts"].values()
        )
    stamps = [i["timestamp"] for i in items]
    assert len(set(stamps)) == len(stamps), "pages by timestamp need distinct timestamps"
    assert all(seed.EPOCH <= s < seed.EPOCH + seed.SPAN for s in stamps)


def test_load_size_is_ten_thousand_students() -> None:
    assert seed.SIZES["load"].students == 10_000


def test_fixtures_generator_writes_the_same_files_for_the_same_seed(tmp_path: Path) -> None:
    script = Path(__file__).parents[2] / "fixtures" / "generate.py"
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        subprocess.run(
            [sys.executable, str(script), "--seed", "3", "--out", str(out)], check=True, timeout=60
        )
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0] == outs[1]
    assert {
        "students.jsonl",
        "devices.jsonl",
        "academics.jsonl",
        "forum_threads.jsonl",
        "forum_posts.jsonl",
        "forum_notifs.jsonl",
        "items.jsonl",
        "news.jsonl",
    } <= set(outs[0])
