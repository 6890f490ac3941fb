"""User, auth, academics, Xia and REST v2 through nginx's TLS port, as the XMUX app calls them.

On the session stack. Each answer is compared field by field with the deterministic seed
the run loaded (regenerated here from the same seed), or a write is read back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import grpc
import pytest
from google.protobuf.empty_pb2 import Empty

from tests.stack.conftest import status_json
from tests.stack.xmus_support import Xmus, connect, eventually, every_method_answered, rpc_error, ts
from xmux_sim.xmus import client, seed
from xmux_sim.xmus.credentials import basic_header
from xmux_sim.xmus.protos.xmux.core.aaos.v4 import aaos_pb2
from xmux_sim.xmus.protos.xmux.core.auth.v4 import auth_pb2, auth_pb2_grpc
from xmux_sim.xmus.protos.xmux.core.oss.v4 import oss_pb2
from xmux_sim.xmus.protos.xmux.core.user.v4 import (
    user_internal_pb2,
    user_internal_pb2_grpc,
    user_pb2,
)
from xmux_sim.xmus.protos.xmux.xia.v4 import xia_pb2
from xmux_sim.xmus.seed_academics import academic_record

FIREBASE_AUDIENCE = (
    "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit"
)


@pytest.fixture(scope="module")
def xmus(xmux_stack: Any) -> Xmus:
    return connect(xmux_stack)


def https_get(x: Xmus, path_or_url: str, **kwargs: Any) -> tuple[int, bytes]:
    url = path_or_url if "://" in path_or_url else x.https + path_or_url
    ctx = ssl.create_default_context(cafile=x.ca_file)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, **kwargs), context=ctx, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def claims_of(token: str, key: str) -> dict[str, Any]:
    """The claims of a custom token whose HS256 signature holds with the run's key."""
    head, body, signature = token.split(".")
    expected = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "==") == expected, "the signature does not hold"
    assert json.loads(base64.urlsafe_b64decode(head + "==")) == {"alg": "HS256", "typ": "JWT"}
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=="))
    return claims


def unregistered(xmus: Xmus, index: int) -> seed.Student:
    return [s for s in seed.students(xmus.seed, xmus.size) if not s.registered][index]


# ----- user --------------------------------------------------------------------------------


def test_login_answers_a_custom_token_for_the_lower_case_uid(xmux_stack: Any, xmus: Xmus) -> None:
    me = xmus.students[0]
    before = int(time.time())
    token = xmus.stubs.user.Login(Empty(), metadata=xmus.md(me)).customToken
    claims = claims_of(token, xmux_stack.endpoint("user").credentials["token_key"])
    assert (claims["uid"], claims["aud"]) == (me.uid, FIREBASE_AUDIENCE)
    assert before - 5 <= claims["iat"] <= time.time() + 5 and claims["exp"] == claims["iat"] + 3600


def test_an_account_without_a_profile_must_register_first(xmux_stack: Any, xmus: Xmus) -> None:
    newcomer = unregistered(xmus, 0)
    md = client.auth_metadata(newcomer.campus_id, newcomer.password)
    need = rpc_error(lambda: xmus.stubs.user.Login(Empty(), metadata=md))
    assert (need.code, need.reason) == (grpc.StatusCode.INTERNAL, "NEED_REGISTER")
    missing = rpc_error(lambda: xmus.stubs.user.GetProfile(user_pb2.GetProfileReq(), metadata=md))
    assert (missing.code, missing.reason) == (grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND")
    token = xmus.stubs.user.Register(
        user_pb2.RegisterReq(displayName="newcomer", email="new@example.com"), metadata=md
    ).customToken
    assert claims_of(token, xmux_stack.endpoint("user").credentials["token_key"])["uid"] == newcomer.uid
    assert xmus.stubs.user.GetProfile(user_pb2.GetProfileReq(), metadata=md) == user_pb2.Profile(
        uid=newcomer.uid,
        email="new@example.com",
        displayName="newcomer",
        avatar=newcomer.avatar,
        name=newcomer.name,
        nationality=newcomer.nationality,
        id=newcomer.campus_id,
    )
    assert xmus.stubs.user.Login(Empty(), metadata=md).customToken


def profile_of(s: seed.Student) -> user_pb2.Profile:
    return user_pb2.Profile(
        uid=s.uid,
        email=s.email,
        displayName=s.display_name,
        avatar=s.avatar,
        name=s.name,
        nationality=s.nationality,
        id=s.campus_id,
    )


def test_profiles_of_the_caller_of_another_student_and_of_staff(xmus: Xmus) -> None:
    me, other = xmus.students[1], xmus.students[2]
    staff = next(s for s in xmus.students if s.staff)
    assert xmus.stubs.user.GetProfile(user_pb2.GetProfileReq(), metadata=xmus.md(me)) == profile_of(me)
    for uid, who in ((other.uid, other), (other.campus_id, other), (staff.uid, staff)):
        got = xmus.stubs.user.GetProfile(user_pb2.GetProfileReq(uid=uid), metadata=xmus.md(me))
        assert got == profile_of(who)
    missing = rpc_error(
        lambda: xmus.stubs.user.GetProfile(user_pb2.GetProfileReq(uid="zzz0000000"), metadata=xmus.md(me))
    )
    assert (missing.code, missing.reason) == (grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND")


def test_devices_are_listed_refreshed_and_revoked(xmus: Xmus) -> None:
    me = xmus.students[3]
    seeded = sorted(
        (d for d in seed.devices(xmus.seed, xmus.size) if d.uid == me.uid),
        key=lambda d: (-d.last_seen.timestamp(), d.device_id),
    )
    assert seeded, "every seeded user has a phone"
    got = xmus.stubs.user.GetDevices(Empty(), metadata=xmus.md(me)).devices
    assert [(d.deviceId, d.deviceModel, d.deviceName, d.lastSeen) for d in got] == [
        (d.device_id, d.model, d.name, ts(d.last_seen)) for d in seeded
    ]
    before = time.time()
    xmus.stubs.user.RefreshDevice(
        user_pb2.RefreshDeviceReq(deviceId="tablet-1", deviceModel="iPad", deviceName="study", pushKey="k"),
        metadata=xmus.md(me),
    )
    newest = xmus.stubs.user.GetDevices(Empty(), metadata=xmus.md(me)).devices[0]
    assert (newest.deviceId, newest.deviceModel, newest.deviceName) == ("tablet-1", "iPad", "study")
    assert before - 5 <= newest.lastSeen.seconds <= time.time() + 5
    xmus.stubs.user.RevokeDevices(Empty(), metadata=xmus.md(me))
    assert list(xmus.stubs.user.GetDevices(Empty(), metadata=xmus.md(me)).devices) == []


def test_other_services_get_display_names_from_user_internal_inside_the_cluster(xmus: Xmus) -> None:
    a, b = xmus.students[4], xmus.students[5]
    stub = user_internal_pb2_grpc.UserInternalStub(xmus.pod_channel("user"))
    names = stub.GetNames(user_internal_pb2.GetNamesReq(uids=[a.uid, b.campus_id, "zzz0000000"]))
    assert dict(names.names) == {a.uid: a.display_name, b.uid: b.display_name}
    # Not for clients: nginx does not route it.
    outside = user_internal_pb2_grpc.UserInternalStub(xmus.stubs.channel)
    blocked = rpc_error(lambda: outside.GetNames(user_internal_pb2.GetNamesReq(uids=[a.uid])))
    assert blocked.code == grpc.StatusCode.UNIMPLEMENTED


# ----- academics ---------------------------------------------------------------------------


def test_app_start_burst_and_info_answer_the_seeded_academic_record(xmus: Xmus) -> None:
    me = xmus.students[6]
    record: dict[str, Any] = academic_record(xmus.seed, me)
    # Fired at once, as the app does at start.
    futures = [method.future(req, metadata=xmus.md(me)) for method, req in client.app_start_calls(xmus.stubs)]
    profile, timetable, exams, transcript, courses = (f.result(timeout=10) for f in futures)
    assert profile == profile_of(me)
    T = aaos_pb2.Timetable
    assert timetable == T(
        classes=[
            T.Class(
                cid=c["cid"], name=c["name"], lecturer=c["lecturer"], room=c["room"],
                begin=ts(c["begin"]), end=ts(c["end"]), day=c["day"],
            )
            for c in record["timetable"]
        ],
        lastUpdate=ts(record["last_update"]),
    )  # fmt: skip
    assert exams == aaos_pb2.Exams(
        exams=[
            aaos_pb2.Exams.Exam(
                exam=e["exam"], begin=ts(e["begin"]), end=ts(e["end"]), venue=e["venue"],
                courseName=e["courseName"], type=e["type"], status=e["status"],
            )
            for e in record["exams"]
        ],
        lastUpdate=ts(record["last_update"]),
    )  # fmt: skip
    S = aaos_pb2.Transcript.Session
    # Built from the seed through the same float32 fields, so GPAs compare exactly.
    assert transcript == aaos_pb2.Transcript(
        sessions=[
            S(
                session=s["session"],
                courses=[S.Course(**c) for c in s["courses"]],
                gpa=s["gpa"],
                cGpa=s["cGpa"],
            )
            for s in record["transcript"]
        ]
    )
    assert transcript.sessions, "a student of an earlier intake has results"
    assert courses == aaos_pb2.Courses(courses=[aaos_pb2.Courses.Course(**c) for c in record["courses"]])
    info = xmus.stubs.aaos.GetInfo(Empty(), metadata=xmus.md(me))
    assert info == aaos_pb2.Info(
        name=me.name, gender=me.gender, id=me.campus_id, programme=me.programme,
        intake=ts(record["info"]["intake"]), nationality=me.nationality,
    )  # fmt: skip


# ----- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "code", "reason"),
    [
        (None, grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIAL"),
        ("bearer abc", grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIAL"),
        ("basic !!!not-base64!!!", grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIAL"),
        (basic_header("SWE19", "pw"), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_CAMPUS_ID"),
        (basic_header("12345678", "pw"), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_CAMPUS_ID"),
        (basic_header("swe1909123", "x" * 129), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PASSWORD"),
        ("WRONG", grpc.StatusCode.PERMISSION_DENIED, "WRONG_PASSWORD"),
        (basic_header("qqq0000001", "pw"), grpc.StatusCode.PERMISSION_DENIED, "WRONG_PASSWORD"),
    ],
)
def test_authentication_failures_have_the_real_reasons(
    xmus: Xmus, header: str | None, code: grpc.StatusCode, reason: str
) -> None:
    if header == "WRONG":
        header = basic_header(xmus.students[0].uid, "not-the-password")
    metadata = (("authorization", header),) if header is not None else ()
    for call in (
        lambda: xmus.stubs.user.Login(Empty(), metadata=metadata),
        lambda: xmus.stubs.aaos.GetTimetable(Empty(), metadata=metadata),
        lambda: xmus.stubs.oss.GetUploadCredentials(
            oss_pb2.GetUploadCredentialsRequest(biz="forum"), metadata=metadata
        ),
    ):
        info = rpc_error(call)
        assert (info.code, info.reason, info.domain) == (code, reason, "api.xmux.xdea.io")


def test_auth_internal_takes_a_campus_credential_and_answers_uid_and_role(xmus: Xmus) -> None:
    stub = auth_pb2_grpc.AuthInternalStub(xmus.pod_channel("auth"))
    student = next(s for s in xmus.students if not s.staff)
    staff = next(s for s in xmus.students if s.staff)

    def auth(campus_id: str, password: str) -> auth_pb2.AuthUserResp:
        credential = auth_pb2.CampusIdPasswordCredential(campus_id=campus_id, password=password)
        reply: auth_pb2.AuthUserResp = stub.AuthUser(auth_pb2.AuthUserReq(campus_id_password=credential))
        return reply

    assert auth(student.uid, student.password) == auth_pb2.AuthUserResp(
        uid=student.uid, campus_role=auth_pb2.student
    )
    # Campus ids are not case-sensitive; uids are lower case.
    assert auth(student.campus_id, student.password).uid == student.uid
    assert auth(staff.uid, staff.password) == auth_pb2.AuthUserResp(
        uid=staff.uid, campus_role=auth_pb2.teacher
    )
    wrong = rpc_error(lambda: auth(student.uid, "nope"))
    assert (wrong.code, wrong.reason) == (grpc.StatusCode.PERMISSION_DENIED, "WRONG_PASSWORD")
    firebase = rpc_error(lambda: stub.AuthUser(auth_pb2.AuthUserReq(firebase_id_token="eyJ...")))
    assert firebase.reason == "WRONG_FIREBASE_ID_TOKEN"
    empty = rpc_error(lambda: stub.AuthUser(auth_pb2.AuthUserReq()))
    assert (empty.code, empty.reason) == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIAL")
    # Not routed by nginx.
    outside = rpc_error(
        lambda: auth_pb2_grpc.AuthInternalStub(xmus.stubs.channel).AuthUser(auth_pb2.AuthUserReq())
    )
    assert outside.code == grpc.StatusCode.UNIMPLEMENTED


def test_services_spread_auth_calls_over_every_auth_replica(xmux_stack: Any, xmus: Xmus) -> None:
    auth = [ep for ep in xmux_stack.endpoints.get("auth", []) if ep.kind == "xmus-auth"]
    assert len(auth) >= 2, "the default stack runs two auth replicas"
    me = xmus.students[13]
    for _ in range(20):
        xmus.stubs.user.GetProfile(user_pb2.GetProfileReq(), metadata=xmus.md(me))
    query = 'sum by (replica) (xmus_requests_total{job="auth",method="AuthUser",code="OK"})'
    url = (
        f"http://{xmux_stack.endpoint('prometheus').address('http')}/api/v1/query?"
        + urllib.parse.urlencode({"query": query})
    )

    def answered_by() -> set[str]:
        with urllib.request.urlopen(url, timeout=5) as resp:
            result = json.load(resp)["data"]["result"]
        return {r["metric"]["replica"] for r in result if float(r["value"][1]) > 0}

    assert eventually(lambda: answered_by() == {str(ep.replica) for ep in auth}, timeout=20)


# ----- Xia ---------------------------------------------------------------------------------


def question(text: str, request_id: str = "") -> xia_pb2.ChatReq:
    return xia_pb2.ChatReq(
        id=request_id,
        messages=[
            xia_pb2.Message(role=xia_pb2.SYSTEM, contents=[xia_pb2.Content(text="You help XMUM students.")]),
            xia_pb2.Message(role=xia_pb2.USER, contents=[xia_pb2.Content(text=text)]),
        ],
    )


def test_xia_answers_the_same_question_the_same_way_and_streams_it_in_pieces(
    xmux_stack: Any, xmus: Xmus
) -> None:
    me = xmus.students[7]
    asked = question("Where do I print my assignment?", request_id="q-1")
    reply = xmus.stubs.xia.Chat(asked, metadata=xmus.md(me))
    assert reply.id == "q-1" and reply.message.role == xia_pb2.MODEL
    [content] = reply.message.contents
    assert 'You asked: "Where do I print my assignment?"' in content.text
    assert xmus.stubs.xia.Chat(asked, metadata=xmus.md(me)) == reply
    other = xmus.stubs.xia.Chat(question("When does the library open?"), metadata=xmus.md(me))
    assert other.message.contents[0].text != content.text
    # Through nginx as a long-lived stream: pieces arrive chunk_delay apart.
    delay = float(xmus.config("xia")["chunk_delay_ms"]) / 1000
    arrivals, pieces = [], []
    for piece in xmus.stubs.xia.ChatStream(asked, metadata=xmus.md(me), timeout=30):
        arrivals.append(time.monotonic())
        pieces.append(piece)
    assert len(pieces) > 2
    assert all(p.id == "q-1" and p.message.id == reply.message.id for p in pieces)
    assert "".join(p.message.contents[0].text for p in pieces).strip() == content.text
    assert arrivals[-1] - arrivals[0] >= delay * (len(pieces) - 1) * 0.9


# ----- REST v2 and nginx -------------------------------------------------------------------


def test_v2_rest_envelopes(xmus: Xmus) -> None:
    status, body = https_get(xmus, "/test")
    assert status == 200 and json.loads(body)["status"] == "success"
    status, body = https_get(xmus, "/v2/homepage/news")
    doc = json.loads(body)
    assert status == 200 and set(doc) == {"status", "timestamp", "data"}
    assert [n["id"] for n in doc["data"]] == [n["id"] for n in seed.news(xmus.seed, xmus.size)]

    me = xmus.students[0]

    def login(payload: Any) -> tuple[int, dict[str, Any]]:
        code, raw = https_get(
            xmus,
            "/v2/login",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        return code, json.loads(raw)

    code, ok = login({"campusId": me.campus_id, "password": me.password})
    assert code == 200
    assert ok["data"] == {
        "campusId": me.campus_id, "uid": me.uid, "name": me.name, "email": me.email,
        "displayName": me.display_name,
    }  # fmt: skip
    code, wrong = login({"campusId": me.campus_id, "password": "nope"})
    assert (code, wrong["status"], wrong["error"]) == (403, "error", "WRONG_PASSWORD")
    code, bad = login({"campusId": "x:y", "password": "nope"})
    assert (code, bad["error"]) == (400, "INVALID_CAMPUS_ID")
    code, bad = login(["not", "an", "object"])
    assert (code, bad["error"]) == (400, "INVALID_ARGUMENT")


def test_status_json_names_the_grpc_port_and_its_ca(xmux_stack: Any, xmus: Xmus) -> None:
    nginx = status_json(xmux_stack.run_id)["services"]["nginx"]
    assert nginx["url"] == xmus.http
    assert "https://" + nginx["grpc"] == xmus.https
    api = client.connect(nginx["grpc"], nginx["ca_file"])
    me = xmus.students[0]
    assert api.user.GetProfile(user_pb2.GetProfileReq(), metadata=xmus.md(me)).uid == me.uid
    # Without the run's CA the TLS port is not trusted.
    stranger = client.Stubs.over(grpc.secure_channel(nginx["grpc"], grpc.ssl_channel_credentials()))
    with pytest.raises(grpc.RpcError) as exc:
        stranger.user.GetProfile(user_pb2.GetProfileReq(), metadata=xmus.md(me), timeout=5)
    assert exc.value.code() == grpc.StatusCode.UNAVAILABLE
    # The cleartext HTTP/2 port serves the same API.
    h2c = client.connect(nginx["h2c"])
    assert h2c.user.GetProfile(user_pb2.GetProfileReq(), metadata=xmus.md(me)).uid == me.uid


def test_every_method_of_user_auth_aaos_and_xia_answered(xmus: Xmus) -> None:
    services = [
        ("user", user_pb2.DESCRIPTOR.services_by_name["User"]),
        ("user", user_internal_pb2.DESCRIPTOR.services_by_name["UserInternal"]),
        ("auth", auth_pb2.DESCRIPTOR.services_by_name["AuthInternal"]),
        ("aaos", aaos_pb2.DESCRIPTOR.services_by_name["AAOS"]),
        ("xia", xia_pb2.DESCRIPTOR.services_by_name["Xia"]),
    ]
    assert every_method_answered(xmus, services) == []
