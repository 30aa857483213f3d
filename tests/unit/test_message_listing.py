"""Listing a service's messages: the query string, the continuation token, the reference
rule, and the use case over the fake index (own messages only, newest first, paging)."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from shared.domain.errors import ValidationError
from shared.domain.message import MessageStatus
from shared.domain.message_id import new_message_id
from shared.domain.message_list_query import (
    DEFAULT_PAGE_SIZE,
    MessageListRequest,
    continuation_token,
    message_list_request,
)
from shared.domain.message_reference import reference_errors
from shared.domain.message_rules import validate_new_message
from shared.domain.service_messages import ServiceMessageEntry, ServiceMessageFilter
from shared.services.list_messages import list_messages
from tests.builders import FISCAL_CODE, a_service, message_json
from tests.fakes import FakeServiceMessageIndex

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _pointers(error: ValidationError) -> list[str]:
    return [field.pointer for field in error.errors]


def _entry(minutes: int, *, service_id: str = "svc-1", **fields: object) -> ServiceMessageEntry:
    created = T0 + timedelta(minutes=minutes)
    values: dict[str, object] = {
        "id": new_message_id(created),
        "service_id": service_id,
        "created_at": created,
        "status": MessageStatus.PROCESSED,
        "status_changed_at": created,
    }
    values.update(fields)
    return ServiceMessageEntry(**values)  # type: ignore[arg-type]


# --- the query string ------------------------------------------------------------------


def test_no_parameters_ask_for_the_first_page_of_every_message():
    request = message_list_request("svc-1", {})
    assert request == MessageListRequest(ServiceMessageFilter("svc-1"), DEFAULT_PAGE_SIZE)


def test_filters_are_read_with_timestamps_in_utc():
    request = message_list_request(
        "svc-1",
        {
            "status": "REJECTED",
            "reference": "PROT-2026-1",
            "created_from": "2026-11-02T10:00:00+01:00",
            "created_to": "2026-11-03T00:00:00Z",
            "page_size": "100",
        },
    )
    assert request.filter.status is MessageStatus.REJECTED
    assert request.filter.reference == "PROT-2026-1"
    assert request.filter.created_from == T0
    assert request.filter.created_to == datetime(2026, 11, 3, tzinfo=UTC)
    assert request.page_size == 100


@pytest.mark.parametrize("size", ["0", "101", "-1", "ten", "1e2", "0" * 50 + "1000", "٣"])
def test_a_page_size_out_of_1_to_100_is_refused(size):
    with pytest.raises(ValidationError) as refused:
        message_list_request("svc-1", {"page_size": size})
    assert _pointers(refused.value) == ["/query/page_size"]


def test_every_bad_parameter_is_named_at_once():
    with pytest.raises(ValidationError) as refused:
        message_list_request(
            "svc-1",
            {
                "status": "DELIVERED",
                "created_from": "yesterday",
                "created_to": "2026-13-01T00:00:00Z",
                "reference": "",
                "continuation_token": "not-a-token",
            },
        )
    assert sorted(_pointers(refused.value)) == [
        "/query/continuation_token",
        "/query/created_from",
        "/query/created_to",
        "/query/reference",
        "/query/status",
    ]


def test_an_empty_period_is_refused():
    with pytest.raises(ValidationError) as refused:
        message_list_request(
            "svc-1", {"created_from": "2026-11-02T09:00:00Z", "created_to": "2026-11-02T09:00:00Z"}
        )
    assert _pointers(refused.value) == ["/query/created_to"]


def test_a_token_given_by_the_api_round_trips():
    last_id = new_message_id(T0)
    request = message_list_request("svc-1", {"continuation_token": continuation_token(last_id)})
    assert request.filter.before_id == last_id


@pytest.mark.parametrize(
    "token",
    [
        # the bare id, without the keyset's version
        base64.urlsafe_b64encode(b"01JCZ0000000000000000000AA").decode().rstrip("="),
        # a version this API never gave
        base64.urlsafe_b64encode(b"m9:01JCZ0000000000000000000AA").decode().rstrip("="),
        # a keyset that is no message id (an injection attempt)
        base64.urlsafe_b64encode(b"m1:' OR 1=1 --").decode().rstrip("="),
        # padding the API never writes
        continuation_token("01JCZ0000000000000000000AA") + "==",
        "é",
        "A" * 200,
    ],
)
def test_a_tampered_token_is_refused(token):
    with pytest.raises(ValidationError) as refused:
        message_list_request("svc-1", {"continuation_token": token})
    assert _pointers(refused.value) == ["/query/continuation_token"]


# --- the reference ---------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["P", "PROT-2026/000123", "Pratica n. 45 del 2026", "x" * 64])
def test_a_short_printable_reference_is_accepted(reference):
    assert reference_errors(reference) == []


@pytest.mark.parametrize(
    ("reference", "code"),
    [
        ("x" * 65, "out_of_range"),
        ("PROT\n1", "invalid_characters"),
        ("PROT\u200b1", "invalid_characters"),
        ("Pratica è", "invalid_characters"),
        ("   ", "invalid_characters"),
        (f"pratica {FISCAL_CODE}", "personal_data_in_reference"),
        ("mario.rossi@example.org", "personal_data_in_reference"),
        ("IT60X0542811101000000123456", "personal_data_in_reference"),
        ("tel 347 123 4567", "personal_data_in_reference"),
    ],
)
def test_a_reference_that_is_long_invisible_or_personal_is_refused(reference, code):
    assert [error.code for error in reference_errors(reference)] == [code]


def test_a_message_whose_reference_holds_a_fiscal_code_is_a_400_at_reference():
    with pytest.raises(ValidationError) as refused:
        validate_new_message(FISCAL_CODE, message_json(reference=f"CF {FISCAL_CODE}"))
    assert _pointers(refused.value) == ["/reference"]
    assert FISCAL_CODE not in str([error.detail for error in refused.value.errors])


def test_a_reference_over_64_characters_is_a_400_at_reference():
    with pytest.raises(ValidationError) as refused:
        validate_new_message(FISCAL_CODE, message_json(reference="x" * 65))
    assert _pointers(refused.value) == ["/reference"]


def test_a_valid_reference_is_kept_on_the_new_message():
    _, new = validate_new_message(FISCAL_CODE, message_json(reference="PROT-7"))
    assert new.reference == "PROT-7"


# --- the use case ----------------------------------------------------------------------


def _index(*entries: ServiceMessageEntry) -> FakeServiceMessageIndex:
    index = FakeServiceMessageIndex()
    for entry in entries:
        index.put(entry)
    return index


def test_a_service_sees_only_its_own_messages_newest_first():
    mine = [_entry(minute) for minute in range(3)]
    index = _index(*mine, _entry(5, service_id="svc-2"))
    page = list_messages(a_service("svc-1"), message_list_request("svc-1", {}), index=index)
    assert [entry.id for entry in page.entries] == [entry.id for entry in reversed(mine)]
    assert page.next_token is None


def test_pages_follow_each_other_without_repeats_or_gaps():
    mine = [_entry(minute) for minute in range(5)]
    index = _index(*mine)
    seen: list[str] = []
    params: dict[str, str] = {"page_size": "2"}
    pages = 0
    while True:
        page = list_messages(a_service(), message_list_request("svc-1", params), index=index)
        seen += [entry.id for entry in page.entries]
        pages += 1
        if page.next_token is None:
            break
        params = {"page_size": "2", "continuation_token": page.next_token}
    assert seen == [entry.id for entry in reversed(mine)]
    assert pages == 3


def test_a_full_last_page_has_no_token():
    index = _index(_entry(0), _entry(1))
    page = list_messages(
        a_service(), message_list_request("svc-1", {"page_size": "2"}), index=index
    )
    assert len(page.entries) == 2
    assert page.next_token is None


def test_filters_narrow_the_listing():
    wanted = _entry(10, status=MessageStatus.REJECTED, reference="R-1")
    index = _index(
        _entry(0, status=MessageStatus.REJECTED, reference="R-1"),  # before the period
        _entry(11, status=MessageStatus.PROCESSED, reference="R-1"),  # another status
        _entry(12, status=MessageStatus.REJECTED, reference="R-2"),  # another reference
        wanted,
    )
    params = {
        "status": "REJECTED",
        "reference": "R-1",
        "created_from": "2026-11-02T09:05:00Z",
        "created_to": "2026-11-02T10:00:00Z",
    }
    page = list_messages(a_service(), message_list_request("svc-1", params), index=index)
    assert page.entries == [wanted]


def test_a_request_for_another_services_messages_is_a_programming_error():
    with pytest.raises(ValueError, match="its own messages"):
        list_messages(
            a_service("svc-1"), message_list_request("svc-2", {}), index=FakeServiceMessageIndex()
        )


@pytest.mark.parametrize("reference", ["PROT-1", " a ", "   ", "è", "a\tb", "~!", ""])
def test_the_documented_reference_pattern_is_the_codes_character_rule(reference):
    document = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml").read_text("utf-8")
    )
    pattern = document["components"]["schemas"]["MessageReference"]["pattern"]
    by_document = re.search(pattern, reference) is not None
    codes = {error.code for error in reference_errors(reference)}
    assert by_document == (not codes & {"invalid_characters", "out_of_range"})
