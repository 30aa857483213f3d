"""Callback signatures: HMAC-SHA256 over the timestamp and the body, one `v1=` per secret
during a rotation, checked in constant time within five minutes either way."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from shared.domain.callback_signature import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_headers,
    verify,
)

BODY = b'{"id":"01JEV0000000000000000000E1","type":"message.processed"}'
NOW = 1_796_292_000
OLD_SECRET = b"the-old-secret"
NEW_SECRET = b"the-new-secret"


def _signed(*secrets: bytes, timestamp: int = NOW, body: bytes = BODY) -> dict[str, str]:
    return signature_headers(
        list(secrets), event_id="01JEV0000000000000000000E1", timestamp=timestamp, body=body
    )


def test_the_signature_is_the_documented_hmac_of_timestamp_dot_body():
    headers = _signed(NEW_SECRET)
    expected = hmac.new(NEW_SECRET, f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers == {
        EVENT_ID_HEADER: "01JEV0000000000000000000E1",
        TIMESTAMP_HEADER: str(NOW),
        SIGNATURE_HEADER: f"v1={expected}",
    }


def test_during_a_rotation_either_secret_verifies():
    # GIVEN a POST signed with both secrets of a rotation
    headers = _signed(OLD_SECRET, NEW_SECRET)
    # THEN it carries two signatures, and a receiver holding either secret accepts it
    assert headers[SIGNATURE_HEADER].count("v1=") == 2
    assert verify(OLD_SECRET, headers, BODY, now=NOW)
    assert verify(NEW_SECRET, headers, BODY, now=NOW)
    assert not verify(b"a-third-secret", headers, BODY, now=NOW)


def test_a_changed_body_or_timestamp_does_not_verify():
    headers = _signed(NEW_SECRET)
    assert not verify(NEW_SECRET, headers, BODY + b" ", now=NOW)
    moved = {**headers, TIMESTAMP_HEADER: str(NOW + 1)}
    assert not verify(NEW_SECRET, moved, BODY, now=NOW)


@pytest.mark.parametrize(("age", "accepted"), [(0, True), (300, True), (301, False)])
def test_a_replay_older_than_five_minutes_is_refused(age, accepted):
    headers = _signed(NEW_SECRET, timestamp=NOW - age)
    assert verify(NEW_SECRET, headers, BODY, now=NOW) is accepted


def test_a_timestamp_from_the_future_beyond_the_tolerance_is_refused():
    headers = _signed(NEW_SECRET, timestamp=NOW + 301)
    assert not verify(NEW_SECRET, headers, BODY, now=NOW)
    assert verify(NEW_SECRET, headers, BODY, now=NOW, tolerance_seconds=600)


def test_header_names_are_matched_in_any_case():
    headers = {name.lower(): value for name, value in _signed(NEW_SECRET).items()}
    assert verify(NEW_SECRET, headers, BODY, now=NOW)


@pytest.mark.parametrize(
    "mangled",
    [
        {SIGNATURE_HEADER: ""},
        {SIGNATURE_HEADER: "v0=abc"},
        {SIGNATURE_HEADER: "v1=zz€"},
        {TIMESTAMP_HEADER: "soon"},
        {TIMESTAMP_HEADER: "-1"},
        {TIMESTAMP_HEADER: ""},
    ],
)
def test_missing_or_malformed_headers_do_not_verify(mangled):
    headers = {**_signed(NEW_SECRET), **mangled}
    assert not verify(NEW_SECRET, headers, BODY, now=NOW)


def test_a_callback_is_never_signed_without_a_secret():
    with pytest.raises(ValueError, match="at least one secret"):
        _signed()
