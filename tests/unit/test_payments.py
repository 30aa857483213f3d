"""Payment events over the fakes: the event's rules, recording it once, and reading a
message's paid status from the recorded payments."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain.errors import ValidationError
from shared.domain.message import MessageContent, Payee, PaymentData
from shared.domain.payment import (
    MAX_CLOCK_SKEW,
    NoticeStatus,
    PaymentEvent,
    applied,
    check_payment_event,
    payment_id,
)
from shared.services.payment_status import notice_status_of
from shared.services.record_payment import record_payment
from tests.builders import FISCAL_CODE, MARKDOWN, SUBJECT, a_message, a_service, payment_event
from tests.fakes import FakeClock, FakePaymentRepository

PAYEE = "01234567890"
OTHER_PAYEE = "98765432109"
NOTICE = "012345678901234567"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "payee_fiscal_code": PAYEE,
        "notice_number": NOTICE,
        "paid_at": "2026-11-22T10:00:00Z",
    }
    event.update(overrides)
    return event


def _json(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def _errors(raw: bytes, now: datetime = NOW) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        check_payment_event(payment_event(raw), now=now)
    return [(error.pointer, error.code) for error in caught.value.errors]


@pytest.fixture
def payments():
    return FakePaymentRepository()


@pytest.fixture
def clock():
    return FakeClock(NOW)


# --- the event's rules ---------------------------------------------------------------------


def test_a_valid_event_is_read_with_paid_at_in_utc():
    event = check_payment_event(
        payment_event(_json(_event(paid_at="2026-11-22T11:00:00+01:00"))), now=NOW
    )
    assert event == PaymentEvent(
        payee_fiscal_code=PAYEE,
        notice_number=NOTICE,
        paid_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
    )


def test_paid_at_without_offset_is_read_as_utc():
    event = check_payment_event(
        payment_event(_json(_event(paid_at="2026-11-22T10:00:00"))), now=NOW
    )
    assert event.paid_at.isoformat() == "2026-11-22T10:00:00+00:00"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payee_fiscal_code", "0123456789"),
        ("payee_fiscal_code", "RSSMRA80A01H501U"),
        ("payee_fiscal_code", 1234567890),
        ("notice_number", "412345678901234567"),
        ("notice_number", "01234567890123456"),
        ("notice_number", 12345678901234567),
        ("paid_at", 1795000000),
        ("paid_at", "2026-11-22"),
        ("paid_at", "2026-11-22T10:00Z"),
        ("paid_at", "2026-13-22T10:00:00Z"),
        # Valid shapes whose time in UTC falls outside years 1 to 9999 (they were a 500).
        ("paid_at", "0001-01-01T00:00:00+14:00"),
        ("paid_at", "9999-12-31T23:59:59-23:59"),
        ("paid_at", None),
    ],
)
def test_a_bad_field_is_named_by_its_pointer(field, value):
    assert [pointer for pointer, _ in _errors(_json(_event(**{field: value})))] == [f"/{field}"]


def test_every_bad_field_is_named_at_once():
    body = _json({"payee_fiscal_code": "x", "paid_at": "yesterday"})
    assert sorted(_errors(body)) == [
        ("/notice_number", "required"),
        ("/paid_at", "invalid"),
        ("/payee_fiscal_code", "pattern_mismatch"),
    ]


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'"paid"'])
def test_a_body_that_is_not_a_json_object_points_at_the_document(raw):
    assert [pointer for pointer, _ in _errors(raw)] == [""]


def test_unknown_fields_are_ignored():
    event = check_payment_event(payment_event(_json(_event(amount=100))), now=NOW)
    assert event.notice_number == NOTICE


def test_paid_at_a_little_ahead_of_our_clock_is_accepted():
    paid_at = NOW + MAX_CLOCK_SKEW
    event = check_payment_event(payment_event(_json(_event(paid_at=paid_at.isoformat()))), now=NOW)
    assert event.paid_at == paid_at


def test_paid_at_in_the_future_is_refused_and_the_detail_says_so():
    paid_at = NOW + MAX_CLOCK_SKEW + timedelta(seconds=1)
    with pytest.raises(ValidationError) as caught:
        check_payment_event(payment_event(_json(_event(paid_at=paid_at.isoformat()))), now=NOW)
    [error] = caught.value.errors
    assert (error.pointer, error.code) == ("/paid_at", "in_the_future")
    assert "in the future" in error.detail


def test_the_payment_id_is_the_payee_and_the_notice():
    assert payment_id(PAYEE, NOTICE) == f"{PAYEE}:{NOTICE}"


def test_a_reported_payment_is_keyed_by_its_notice_and_stamped_with_now():
    event = check_payment_event(payment_event(_json(_event())), now=NOW)
    payment = applied(event, None, NOW)
    assert payment is not None
    assert payment.id == payment_id(PAYEE, NOTICE)
    assert (payment.paid_at, payment.recorded_at) == (event.paid_at, NOW)


# --- recording a payment -------------------------------------------------------------------


def test_the_first_event_records_the_payment(payments, clock):
    recorded = record_payment(payment_event(_json(_event())), payments=payments, clock=clock)
    assert recorded.created
    assert recorded.payment == payments.get(PAYEE, NOTICE)
    assert recorded.payment.paid_at == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert recorded.payment.recorded_at == NOW


def test_a_repeated_event_changes_nothing_and_answers_the_first(payments, clock):
    first = record_payment(payment_event(_json(_event())), payments=payments, clock=clock)
    clock.advance(hours=1)
    repeat = record_payment(payment_event(_json(_event())), payments=payments, clock=clock)
    assert not repeat.created
    assert repeat.payment == first.payment
    assert payments.get(PAYEE, NOTICE) == first.payment


def test_a_repeat_with_another_paid_at_keeps_the_first(payments, clock):
    first = record_payment(payment_event(_json(_event())), payments=payments, clock=clock)
    repeat = record_payment(
        payment_event(_json(_event(paid_at="2026-11-22T11:30:00Z"))), payments=payments, clock=clock
    )
    assert not repeat.created
    assert repeat.payment.paid_at == first.payment.paid_at
    assert payments.get(PAYEE, NOTICE) == first.payment


def test_payments_of_different_notices_are_recorded_apart(payments, clock):
    record_payment(payment_event(_json(_event())), payments=payments, clock=clock)
    other = record_payment(
        payment_event(_json(_event(notice_number="302000000000000001"))),
        payments=payments,
        clock=clock,
    )
    same_notice_other_payee = record_payment(
        payment_event(_json(_event(payee_fiscal_code=OTHER_PAYEE))), payments=payments, clock=clock
    )
    assert other.created
    assert same_notice_other_payee.created
    assert len(payments.stored) == 3


def test_a_payment_in_the_future_is_refused_and_not_recorded(payments, clock):
    future = (NOW + timedelta(hours=1)).isoformat()
    with pytest.raises(ValidationError) as caught:
        record_payment(payment_event(_json(_event(paid_at=future))), payments=payments, clock=clock)
    assert [error.pointer for error in caught.value.errors] == ["/paid_at"]
    assert payments.stored == {}


def test_recording_logs_one_line_naming_the_notice(payments, clock, caplog):
    with caplog.at_level(logging.INFO, logger="shared.services.record_payment"):
        record_payment(payment_event(_json(_event())), payments=payments, clock=clock)
    [line] = caplog.messages
    assert NOTICE in line
    assert "recorded" in line


# --- a message's paid status ---------------------------------------------------------------


def _message_with_notice(payee: str | None = PAYEE, notice: str = NOTICE):
    payment_data = PaymentData(
        amount=12345,
        notice_number=notice,
        payee=None if payee is None else Payee(fiscal_code=payee),
    )
    content = MessageContent(
        subject=SUBJECT,
        markdown=MARKDOWN,
        due_date=datetime(2026, 12, 31, tzinfo=UTC),
        payment_data=payment_data,
    )
    return a_message(fiscal_code=FISCAL_CODE).model_copy(update={"content": content})


# The sender of these messages: its organization is the payee, PAYEE.
SENDER = a_service()


def test_a_message_without_a_notice_has_no_notice_status(payments, clock):
    record_payment(payment_event(_json(_event())), payments=payments, clock=clock)
    assert notice_status_of(a_message(), sender=SENDER, payments=payments) is None


def test_a_message_whose_notice_is_unpaid_is_not_paid(payments):
    status = notice_status_of(_message_with_notice(), sender=SENDER, payments=payments)
    assert status == NoticeStatus(paid_at=None)


def test_a_message_whose_notice_was_paid_reads_as_paid(payments, clock):
    record_payment(payment_event(_json(_event())), payments=payments, clock=clock)
    status = notice_status_of(_message_with_notice(), sender=SENDER, payments=payments)
    assert status == NoticeStatus(paid_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC))


def test_a_payment_of_the_same_notice_number_to_another_payee_does_not_count(payments, clock):
    record_payment(
        payment_event(_json(_event(payee_fiscal_code=OTHER_PAYEE))), payments=payments, clock=clock
    )
    status = notice_status_of(_message_with_notice(), sender=SENDER, payments=payments)
    assert status == NoticeStatus(paid_at=None)


def test_a_message_with_a_notice_but_no_payee_has_no_notice_status(payments, clock):
    record_payment(payment_event(_json(_event())), payments=payments, clock=clock)
    message = _message_with_notice(payee=None)
    assert notice_status_of(message, sender=SENDER, payments=payments) is None
