"""Campus ids, the `authorization: basic` header, and password hashes.

Campus ids follow the real patterns: students ``^[A-Za-z]{3}\\d{7}$`` (programme code,
intake year, serial, e.g. SWE1909123), staff ``^\\d{7}$``. A user id is the campus id in
lower case: the app lower-cases what the student typed, and every service keys data by it.

The reasons are the real ``xmux.core.auth.v4.ErrorReason`` values: a calling service
answers INVALID_CREDENTIAL when the header is missing or not basic credentials (before
asking the auth service); the auth service answers INVALID_CAMPUS_ID, INVALID_PASSWORD
and WRONG_PASSWORD.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

from xmux_sim.xmus.errors import XmusError, bad_request

STUDENT_ID = re.compile(r"[A-Za-z]{3}\d{7}")
STAFF_ID = re.compile(r"\d{7}")
MAX_PASSWORD = 128
# Low on purpose: 10,000 seeded students must hash in seconds on two cores, and every
# call verifies a password; the point is that plain passwords are never stored.
DEFAULT_ITERATIONS = 1000


def check_campus_id(campus_id: str) -> str:
    """The user id (the campus id in lower case), or INVALID_CAMPUS_ID."""
    if STUDENT_ID.fullmatch(campus_id) or STAFF_ID.fullmatch(campus_id):
        return campus_id.lower()
    raise bad_request("INVALID_CAMPUS_ID", f"campus id {campus_id[:32]!r} is not valid")


def check_password(password: str) -> str:
    if not 1 <= len(password) <= MAX_PASSWORD:
        raise bad_request("INVALID_PASSWORD", f"a password has 1..{MAX_PASSWORD} characters")
    return password


def parse_basic(header: str | None) -> tuple[str, str]:
    """(campus id lower-cased, password) from ``basic base64(campusId:password)``, as the app sends it.

    Only the form is checked here (INVALID_CREDENTIAL); the auth service judges the values.
    """
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        raise XmusError(
            401, "INVALID_CREDENTIAL", "expected `authorization: basic base64(campusId:password)`"
        )
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise XmusError(401, "INVALID_CREDENTIAL", "the basic credentials are not base64") from None
    campus_id, sep, password = decoded.partition(":")
    if not sep or not campus_id or not password:
        raise XmusError(401, "INVALID_CREDENTIAL", "expected campusId:password")
    return campus_id.lower(), password


def basic_header(campus_id: str, password: str) -> str:
    return "basic " + base64.b64encode(f"{campus_id}:{password}".encode()).decode()


def hash_password(password: str, salt: bytes, iterations: int = DEFAULT_ITERATIONS) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        algorithm, iterations, salt, digest = encoded.split("$")
    except ValueError:
        return False
    if algorithm != "pbkdf2_sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(candidate.hex(), digest)
