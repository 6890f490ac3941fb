"""Campus ids, basic credentials, password hashes and Kratos error details."""

from __future__ import annotations

import base64

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmux_sim.xmus.credentials import (
    basic_header,
    check_campus_id,
    check_password,
    hash_password,
    parse_basic,
    verify_password,
)
from xmux_sim.xmus.errors import DOMAIN, XmusError
from xmux_sim.xmus.protos import rpc_status_pb2


@pytest.mark.parametrize("good", ["SWE1909123", "swe1909123", "ABC0000000", "1234567"])
def test_campus_ids_that_follow_the_real_patterns_are_user_ids_in_lower_case(good: str) -> None:
    assert check_campus_id(good) == good.lower()


@pytest.mark.parametrize(
    "bad", ["", "SW1909123", "SWE190912", "SWE19091234", "123456", "12345678", "SWE-909123"]
)
def test_other_campus_ids_are_invalid(bad: str) -> None:
    with pytest.raises(XmusError) as exc:
        check_campus_id(bad)
    assert (exc.value.code, exc.value.reason) == (400, "INVALID_CAMPUS_ID")


def test_basic_header_round_trip_lower_cases_the_campus_id_as_the_app_does() -> None:
    assert parse_basic(basic_header("SWE1909123", "p:ss word")) == ("swe1909123", "p:ss word")
    assert parse_basic("Basic " + base64.b64encode(b"1234567:x").decode()) == ("1234567", "x")
    # The form only: the auth service judges the campus id.
    assert parse_basic(basic_header("nobody", "pw")) == ("nobody", "pw")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "bearer token",
        "basic",
        "basic ***",
        "basic " + base64.b64encode(b"no-colon").decode(),
        "basic " + base64.b64encode(b"SWE1909123:").decode(),
        "basic " + base64.b64encode(b":pw").decode(),
    ],
)
def test_headers_that_are_not_basic_credentials_are_invalid_credentials(header: str | None) -> None:
    with pytest.raises(XmusError) as exc:
        parse_basic(header)
    assert (exc.value.code, exc.value.reason) == (401, "INVALID_CREDENTIAL")


@pytest.mark.parametrize("password", ["", "x" * 129])
def test_passwords_outside_the_limits_are_invalid(password: str) -> None:
    with pytest.raises(XmusError) as exc:
        check_password(password)
    assert (exc.value.code, exc.value.reason) == (400, "INVALID_PASSWORD")


@given(st.text(min_size=1, max_size=40))
def test_a_hash_verifies_its_password_only(password: str) -> None:
    encoded = hash_password(password, b"0123456789abcdef", iterations=10)
    assert len(password) < 8 or password not in encoded
    assert verify_password(password, encoded)
    assert not verify_password(password + "x", encoded)


def test_garbage_hashes_never_verify() -> None:
    assert not verify_password("pw", "")
    assert not verify_password("pw", "md5$1$00$00")


def test_kratos_error_travels_as_status_with_error_info() -> None:
    err = XmusError(403, "WRONG_PASSWORD", "wrong campus id or password", {"uid": "swe1909123"})
    assert err.grpc_code == grpc.StatusCode.PERMISSION_DENIED
    status = rpc_status_pb2.Status.FromString(err.status_details())
    info = rpc_status_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert status.code == grpc.StatusCode.PERMISSION_DENIED.value[0]
    assert (info.reason, info.domain, dict(info.metadata)) == (
        "WRONG_PASSWORD",
        DOMAIN,
        {"uid": "swe1909123"},
    )
    assert status.details[0].type_url == "type.googleapis.com/google.rpc.ErrorInfo"
