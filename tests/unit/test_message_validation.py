from __future__ import annotations

import json

import pytest

from shared.domain.errors import ValidationError
from shared.domain.message import FeatureLevel
from shared.domain.message_rules import validate_new_message
from tests.builders import FISCAL_CODE, MARKDOWN, message_body, message_json


def _pointers(raw: bytes, path_fiscal_code: str | None = FISCAL_CODE) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_new_message(path_fiscal_code, raw)
    return [error.pointer for error in caught.value.errors]


def test_valid_message_gets_io_defaults():
    fiscal_code, message = validate_new_message(FISCAL_CODE, message_json())
    assert fiscal_code == FISCAL_CODE
    assert message.time_to_live == 3600
    assert message.feature_level_type is FeatureLevel.STANDARD


def test_unknown_fields_are_ignored_as_io_does():
    _, message = validate_new_message(FISCAL_CODE, message_json(unknown={"x": 1}))
    assert message.content.markdown == MARKDOWN


def test_lists_every_invalid_field_at_once_with_pointers():
    body = message_body(time_to_live=60)
    body["content"] = {"subject": "short", "markdown": "too short"}
    pointers = _pointers(json.dumps(body).encode())
    assert sorted(pointers) == ["/content/markdown", "/content/subject", "/time_to_live"]


@pytest.mark.parametrize(
    ("subject_length", "valid"), [(9, False), (10, True), (120, True), (121, False)]
)
def test_subject_length_limits_are_ios(subject_length, valid):
    body = message_body()
    body["content"]["subject"] = "s" * subject_length
    raw = json.dumps(body).encode()
    if valid:
        validate_new_message(FISCAL_CODE, raw)
    else:
        assert _pointers(raw) == ["/content/subject"]


def test_time_to_live_as_a_string_is_rejected():
    assert _pointers(message_json(time_to_live="3600")) == ["/time_to_live"]


def test_payment_message_without_due_date_points_at_due_date():
    body = message_body()
    body["content"]["payment_data"] = {"amount": 100, "notice_number": "012345678901234567"}
    assert _pointers(json.dumps(body).encode()) == ["/content/due_date"]


def test_due_date_without_offset_is_read_as_utc():
    body = message_body()
    body["content"]["due_date"] = "2026-12-01T10:00:00"
    _, message = validate_new_message(FISCAL_CODE, json.dumps(body).encode())
    assert message.content.due_date is not None
    assert message.content.due_date.isoformat() == "2026-12-01T10:00:00+00:00"


@pytest.mark.parametrize("raw", [b"{", b"", b"\xff\xfe", b"[1, 2]", b'"text"', b"[" * 5000])
def test_a_body_that_is_not_a_json_object_points_at_the_document(raw):
    assert _pointers(raw) == [""]


def test_fiscal_code_in_path_and_body_is_ambiguous():
    assert _pointers(message_json(fiscal_code=FISCAL_CODE)) == ["/fiscal_code"]


def test_fiscal_code_in_neither_place_is_required():
    assert _pointers(message_json(), path_fiscal_code=None) == ["/fiscal_code"]


def test_fiscal_code_may_come_from_the_body():
    fiscal_code, _ = validate_new_message(None, message_json(fiscal_code=FISCAL_CODE))
    assert fiscal_code == FISCAL_CODE


def test_invalid_path_fiscal_code_is_reported_with_body_errors():
    body = message_body()
    body["content"]["subject"] = "short"
    pointers = _pointers(json.dumps(body).encode(), path_fiscal_code="RSSMRA80A01H501X")
    assert sorted(pointers) == ["/content/subject", "/fiscal_code"]


def test_errors_never_echo_the_rejected_value():
    body = message_body(time_to_live="RSSMRA80A01H501U")
    with pytest.raises(ValidationError) as caught:
        validate_new_message(FISCAL_CODE, json.dumps(body).encode())
    assert "RSSMRA80A01H501U" not in repr(caught.value.errors)


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Avviso per RSSMRA80A01H501U", "a fiscal code"),
        ("Scrivici a mario.rossi@example.com", "an e-mail address"),
        ("Chiamaci al 333 1234567", "a phone number"),
        ("Rimborso su IT60X0542811101000000123456", "an IBAN"),
    ],
)
def test_a_subject_with_personal_data_points_at_the_subject_without_echoing_it(subject, kind):
    body = message_body()
    body["content"]["subject"] = subject
    with pytest.raises(ValidationError) as caught:
        validate_new_message(FISCAL_CODE, json.dumps(body).encode())
    (error,) = caught.value.errors
    assert (error.code, error.pointer) == ("personal_data_in_subject", "/content/subject")
    assert kind in error.detail
    assert subject.split()[-1] not in error.detail


def test_an_ordinary_administrative_subject_passes():
    body = message_body()
    body["content"]["subject"] = "Pagamento TARI 2026 - rata 2 di 3, scadenza 31/12/2026"
    validate_new_message(FISCAL_CODE, json.dumps(body).encode())


@pytest.mark.parametrize(
    "due_date",
    [
        "1700000000",
        "2026-12-31",
        "2026-12-31T00:00",
        "2026-12-31 10:00:00Z",
        "2026-13-31T00:00:00Z",
        # Valid shapes whose time in UTC falls outside years 1 to 9999 (they were a 500).
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        1700000000,
    ],
)
def test_due_date_must_be_an_rfc3339_timestamp(due_date):
    body = message_body()
    body["content"]["due_date"] = due_date
    assert _pointers(json.dumps(body).encode()) == ["/content/due_date"]


@pytest.mark.parametrize(
    "due_date", ["2026-12-31T23:59:59Z", "2026-12-31T23:59:59.123+01:00", "2026-12-31T23:59:59"]
)
def test_rfc3339_timestamps_are_accepted(due_date):
    body = message_body()
    body["content"]["due_date"] = due_date
    validate_new_message(FISCAL_CODE, json.dumps(body).encode())
