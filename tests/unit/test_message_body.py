"""Reading a message's body: attachments left in the body's bytes, the same message as a
plain parse gives, and an envelope over its limit refused before any parsing."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pydantic
import pytest

from shared.domain import message_body
from shared.domain.errors import PayloadTooLargeError, ValidationError
from shared.domain.message import NewMessage
from shared.domain.message_body import CUT_BYTES, MAX_ENVELOPE_BYTES, parse_new_message
from shared.domain.validation import json_pointer
from tests.builders import a_pdf
from tests.builders import message_body as a_message_body

MIB = 1024 * 1024
LONG_TEXT = base64.b64encode(a_pdf(padding=CUT_BYTES)).decode()
SHORT_TEXT = base64.b64encode(a_pdf()).decode()


def _body(*texts: str, **fields: Any) -> dict[str, Any]:
    body = a_message_body(feature_level_type="ADVANCED", **fields)
    body["content"]["attachments"] = [
        {"name": f"a{index}.pdf", "content_type": "application/pdf", "content": text}
        for index, text in enumerate(texts)
    ]
    return body


def _plain(raw: bytes) -> dict[str, Any]:
    return NewMessage.model_validate_json(raw).model_dump(mode="json")


def test_a_long_attachment_is_read_in_the_body_and_a_short_one_parsed_as_usual():
    # GIVEN a message with one attachment longer than the cut and one shorter
    raw = json.dumps(_body(LONG_TEXT, SHORT_TEXT)).encode()
    # WHEN it is read
    message = parse_new_message(raw)
    long_text, short_text = (item.content for item in message.content.attachments)
    # THEN the long text is the body's own bytes, the short one a str; both read right
    assert long_text.raw_json_length == len(LONG_TEXT)
    assert short_text.raw_json_length is None
    assert (long_text.text(), short_text.text()) == (LONG_TEXT, SHORT_TEXT)
    # AND the message is the one a plain parse gives
    assert message.model_dump(mode="json") == _plain(raw)


def test_escaped_slashes_in_a_long_attachment_read_as_slashes():
    raw = json.dumps(_body(LONG_TEXT)).replace("/", "\\/").encode()
    (attachment,) = parse_new_message(raw).content.attachments
    assert attachment.content.text() == LONG_TEXT


@pytest.mark.parametrize(
    "fields",
    [
        {"ignored": "x" * (CUT_BYTES + 1)},  # an unknown field, long
        {"fiscal_code": "x" * (CUT_BYTES + 1)},  # a known field, long: invalid as ever
        {"time_to_live": "x" * (CUT_BYTES + 1)},
    ],
    ids=["unknown", "fiscal-code", "ttl"],
)
def test_a_long_string_elsewhere_is_read_as_the_plain_parse_reads_it(fields):
    # GIVEN a message with a long attachment and another long string
    raw = json.dumps(_body(LONG_TEXT, **fields)).encode()
    # WHEN it is read, and parsed the plain way
    try:
        got: Any = parse_new_message(raw).model_dump(mode="json")
    except ValidationError as invalid:
        got = sorted(error.pointer for error in invalid.errors)
    try:
        expected: Any = _plain(raw)
    except pydantic.ValidationError as invalid:
        expected = sorted(json_pointer(tuple(error["loc"])) for error in invalid.errors())
    # THEN both give the same message, or refuse the same fields
    assert got == expected


def test_a_long_subject_is_refused_as_too_long_never_read_as_its_placeholder():
    body = _body(LONG_TEXT)
    body["content"]["subject"] = "s" * (CUT_BYTES + 1)
    with pytest.raises(ValidationError) as refused:
        parse_new_message(json.dumps(body).encode())
    assert [(e.code, e.pointer) for e in refused.value.errors] == [("too_long", "/content/subject")]


def test_a_string_shaped_like_a_placeholder_is_only_a_string():
    # GIVEN a content that looks like what the reader puts in a cut string's place
    body = _body("postino-cut-0000000000000000-0", LONG_TEXT)
    (guessed, real) = parse_new_message(json.dumps(body).encode()).content.attachments
    # THEN it is read as written: nobody can point at another string of the body
    assert guessed.content.text() == "postino-cut-0000000000000000-0"
    assert real.content.text() == LONG_TEXT


@pytest.mark.parametrize(
    "raw",
    [
        b"[" + b"0," * 14_000_000 + b"0]",  # 28 MB of junk
        b'{"content": {}, "padding": [' + b'"a",' * 200_000 + b'"a"]}',
    ],
    ids=["array", "many-short-strings"],
)
def test_an_envelope_over_the_limit_is_413_before_any_parsing(monkeypatch, raw):
    # GIVEN a parser that must not be reached
    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(message_body, "parse_json_model", parse)
    started = time.perf_counter()
    # WHEN the body is read THEN it is too large, found so quickly
    with pytest.raises(PayloadTooLargeError):
        parse_new_message(raw)
    assert time.perf_counter() - started < 1.0


def test_a_long_string_that_is_no_attachment_counts_in_the_envelope():
    body = _body(LONG_TEXT, ignored="x" * MAX_ENVELOPE_BYTES)
    with pytest.raises(PayloadTooLargeError):
        parse_new_message(json.dumps(body).encode())


def test_the_envelope_limit_does_not_count_the_attachments():
    # GIVEN a message whose envelope is just within the limit, with 20 MiB-worth texts
    texts = [base64.b64encode(a_pdf(padding=4 * MIB)).decode() for _ in range(3)]
    body = _body(*texts)
    envelope = len(json.dumps(body)) - sum(len(text) for text in texts)
    body["padding"] = "p" * (MAX_ENVELOPE_BYTES - envelope - len(', "padding": ""'))
    raw = json.dumps(body).encode()
    # THEN it is read; one byte more is too large
    assert len(parse_new_message(raw).content.attachments) == 3
    body["padding"] += "p"
    with pytest.raises(PayloadTooLargeError):
        parse_new_message(json.dumps(body).encode())


@pytest.mark.parametrize(
    "raw", [b'{"content": {"subject": "unterminated', b'{"a": "' + b"x" * 70_000, b"\xff\xfe"]
)
def test_a_body_that_is_not_json_is_a_validation_error(raw):
    with pytest.raises(ValidationError):
        parse_new_message(raw)
