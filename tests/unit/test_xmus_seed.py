"""Seed data: deterministic, plausible, and with the shapes the services and tests rely on."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from xmux_sim.xmus import seed
from xmux_sim.xmus.credentials import STAFF_ID, STUDENT_ID


def test_same_seed_same_data_other_seed_other_data() -> None:
    seed.students.cache_clear()
    first = seed.students(7, "small")
    seed.students.cache_clear()
    assert seed.students(7, "small") == first
    assert seed.students(8, "small") != first
    one = seed.academic_record(7, first[0].campus_id, first[0].intake_year)
    assert one == seed.academic_record(7, first[0].campus_id, first[0].intake_year)


def test_campus_ids_follow_the_real_patterns_and_are_unique() -> None:
    people = seed.students(1, "small")
    size = seed.SIZES["small"]
    assert len(people) == size.students + size.staff
    assert len({p.campus_id for p in people}) == len(people)
    for p in people:
        pattern = STAFF_ID if p.staff else STUDENT_ID
        assert pattern.fullmatch(p.campus_id), p.campus_id
        if not p.staff:
            assert p.campus_id[:3] in seed.PROGRAMMES
            assert int(p.campus_id[3:5]) == p.intake_year % 100


def test_transcripts_have_the_gpa_of_their_grades() -> None:
    for p in seed.students(1, "small")[:20]:
        t = seed.academic_record(1, p.campus_id, p.intake_year)["transcript"]
        assert isinstance(t, dict)
        points = credits = 0.0
        for s in t["sessions"]:
            gp = sum(c["grade_point"] * c["credits"] for c in s["courses"])
            cr = sum(c["credits"] for c in s["courses"])
            assert s["gpa"] == round(gp / cr, 2)
            points, credits = points + gp, credits + cr
        assert t["total_credits"] == credits
        assert t["cgpa"] == (round(points / credits, 2) if credits else 0.0)


def test_forum_posts_reply_within_their_thread_after_it_started() -> None:
    threads, posts = seed.forum(1, "small")
    by_id = {t.id: t for t in threads}
    post_by_id = {p.id: p for p in posts}
    assert [t.id for t in threads] == list(range(1, len(threads) + 1))
    assert any(p.parent_id for p in posts)
    for p in posts:
        assert p.created_at > by_id[p.thread_id].created_at
        if p.parent_id is not None:
            assert post_by_id[p.parent_id].thread_id == p.thread_id


def test_items_have_unique_object_ids_and_seeded_timestamps() -> None:
    items = seed.items(1, "small")
    ids = [str(i["_id"]) for i in items]
    assert all(re.fullmatch(r"[0-9a-f]{24}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    stamps = [i["timestamp"] for i in items]
    assert len(set(stamps)) == len(stamps), "pages by timestamp need distinct timestamps"
    assert all(seed.EPOCH <= s < seed.EPOCH + seed.SPAN for s in stamps)  # type: ignore[operator]


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
        "academics.jsonl",
        "threads.jsonl",
        "posts.jsonl",
        "items.jsonl",
        "news.jsonl",
    } <= set(outs[0])
