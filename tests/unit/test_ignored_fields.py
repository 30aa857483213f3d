"""IO's fields Postino ignores, and any other unknown top-level field, are accepted and named
back to the sender; the message itself is the same as without them."""

from __future__ import annotations

import json

from shared.domain.idempotency import request_fingerprint
from shared.domain.ignored_fields import IGNORED_IO_FIELDS, MAX_NAMED_FIELDS, ignored_field_names
from shared.domain.message import NewMessage
from shared.domain.message_body import CUT_BYTES, parse_new_message
from tests.builders import FISCAL_CODE, message_body, message_json

KNOWN = set(NewMessage.model_fields)


def test_ios_ignored_fields_are_accepted_and_named():
    # GIVEN a body as an IO client writes it
    body = message_json(
        default_addresses={"email": "someone@example.org"},
        require_secure_channels=True,
        third_party_data={"id": "ext-1", "has_attachments": False},
    )
    # WHEN it is parsed THEN the message is valid and knows what it ignored
    message = parse_new_message(body)
    assert message.ignored_fields == IGNORED_IO_FIELDS
    assert "third_party_data" not in message.model_dump()


def test_a_misspelt_field_is_named_too():
    message = parse_new_message(message_json(time_to_lve=7200))
    assert message.ignored_fields == ("time_to_lve",)
    assert message.time_to_live == 3600


def test_a_body_of_known_fields_only_ignores_nothing():
    body = message_json(fiscal_code=FISCAL_CODE, time_to_live=7200, feature_level_type="STANDARD")
    assert parse_new_message(body).ignored_fields == ()


def test_nested_unknown_fields_are_not_top_level_ones():
    body = message_body()
    body["content"]["extra"] = 1
    assert parse_new_message(json.dumps(body).encode()).ignored_fields == ()


def test_an_ignored_field_holding_a_long_string_is_named():
    # A string longer than CUT_BYTES is cut out of the envelope before parsing.
    message = parse_new_message(message_json(third_party_data="x" * (CUT_BYTES + 1)))
    assert message.ignored_fields == ("third_party_data",)


def test_names_unsafe_in_a_header_are_left_unnamed():
    fields = ["bad name", "a,b", "line\nbreak", "è", "x" * 65, "", "ok.name-1_2"]
    assert ignored_field_names(fields, KNOWN) == ("ok.name-1_2",)


def test_a_name_too_long_to_stay_in_the_envelope_is_left_unnamed():
    body = json.dumps({**message_body(), "k" * (CUT_BYTES + 1): 1}).encode()
    assert parse_new_message(body).ignored_fields == ()


def test_at_most_twenty_names_sorted():
    fields = [f"field_{number:02d}" for number in range(30, 0, -1)]
    named = ignored_field_names(fields, KNOWN)
    assert named == tuple(f"field_{number:02d}" for number in range(1, MAX_NAMED_FIELDS + 1))


def test_ignored_fields_change_neither_the_message_nor_its_idempotency_fingerprint():
    plain = parse_new_message(message_json())
    with_extras = parse_new_message(message_json(third_party_data={"id": "ext-1"}))
    assert with_extras.model_dump() == plain.model_dump()
    assert request_fingerprint(FISCAL_CODE, with_extras) == request_fingerprint(FISCAL_CODE, plain)
