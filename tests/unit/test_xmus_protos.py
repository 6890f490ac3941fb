"""The checked-in generated code matches the protos, and the protos carry the client's public names."""

from __future__ import annotations

from xmux_sim.xmus import protogen
from xmux_sim.xmus.protos import aaos_pb2, auth_internal_pb2, forum_pb2, lost_found_pb2, oss_pb2, user_pb2


def test_generated_code_matches_the_protos() -> None:
    fresh, checked_in = protogen.fresh(), protogen.checked_in()
    assert sorted(fresh) == sorted(checked_in)
    stale = [name for name in fresh if fresh[name] != checked_in[name]]
    assert not stale, f"regenerate with `python -m xmux_sim.xmus.protogen`: {stale}"


def methods(module: object, service: str) -> tuple[str, list[str]]:
    desc = module.DESCRIPTOR.services_by_name[service]  # type: ignore[attr-defined]
    return desc.full_name, [m.name for m in desc.methods]


def test_packages_services_and_methods_are_the_public_ones() -> None:
    assert methods(user_pb2, "User") == ("xmux.core.user.v4.User", ["Login", "GetProfile"])
    assert methods(aaos_pb2, "AAOS") == (
        "xmux.core.aaos.v4.AAOS",
        ["GetTimetable", "GetExams", "GetTranscript", "GetCourses"],
    )
    name, forum = methods(forum_pb2, "Forum")
    assert name == "xmux.forum.v4.Forum"
    assert set(forum) == {
        "GetThreads", "GetPosts", "GetPostsByParent", "CreateThread", "CreatePost", "LikeThread",
        "LikePost", "SaveThread", "UnsaveThread", "RemovePost",
    }  # fmt: skip
    assert methods(lost_found_pb2, "LostAndFound") == (
        "xmux.lost_found.v4.LostAndFound",
        ["GetBriefs", "GetDetail", "AddItem", "DeleteItem"],
    )
    assert methods(oss_pb2, "OSS") == ("xmux.core.oss.v4.OSS", ["GetUploadCredentials", "GetDownloadURL"])
    assert methods(auth_internal_pb2, "AuthInternal")[1] == ["AuthUser"]
