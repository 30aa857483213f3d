"""The payment platform corrects a payment: a REVERSAL event marks the recorded payment
reversed, the notice reads unpaid again, and every event stays safe to repeat, whatever
order the events arrive in and whatever replies are lost."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain.errors import ConcurrentUpdateError, OutcomeUnknownError, ValidationError
from shared.domain.payment import (
    NoticeStatus,
    Payment,
    PaymentConflictError,
    ReversedPayment,
    check_payment_event,
)
from shared.services.record_payment import MAX_ATTEMPTS, record_payment
from tests.builders import payment_event
from tests.fakes import FakeClock, FakePaymentRepository
from tests.port_faults import LOST, FaultyPort

PAYEE = "01234567890"
NOTICE = "012345678901234567"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PAID = "2026-11-22T10:00:00Z"
PAID_AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
REVERSED = "2026-11-22T11:00:00Z"
REVERSED_AT = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
PAID_AGAIN = "2026-11-22T11:30:00Z"


def _payment(paid_at: str = PAID, **fields: Any) -> bytes:
    event = {"payee_fiscal_code": PAYEE, "notice_number": NOTICE, "paid_at": paid_at, **fields}
    return json.dumps(event).encode()


def _reversal(paid_at: str = PAID, reversed_at: str = REVERSED) -> bytes:
    return _payment(paid_at, type="REVERSAL", reversed_at=reversed_at)


@pytest.fixture
def payments() -> FakePaymentRepository:
    return FakePaymentRepository()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def _status(payments: FakePaymentRepository) -> NoticeStatus:
    return NoticeStatus.of(payments.get(PAYEE, NOTICE))


# --- the event -----------------------------------------------------------------------------


def test_an_event_without_a_type_is_a_payment():
    event = check_payment_event(payment_event(_payment()), now=NOW)
    assert (event.type, event.reversed_at) == ("PAYMENT", None)


def test_a_reversal_is_read_with_both_times():
    event = check_payment_event(payment_event(_reversal()), now=NOW)
    assert (event.type, event.paid_at, event.reversed_at) == ("REVERSAL", PAID_AT, REVERSED_AT)


@pytest.mark.parametrize(
    ("body", "pointer", "code"),
    [
        (_payment(type="REVERSAL"), "/reversed_at", "required"),
        (_payment(type="REFUND"), "/type", "enum"),
        (_reversal(reversed_at="2026-11-22T09:00:00Z"), "/reversed_at", "out_of_range"),
        (_reversal(reversed_at="2026-11-22T13:00:00Z"), "/reversed_at", "in_the_future"),
        # A payment carrying reversed_at was most likely meant as a reversal: recording it
        # as a payment would mark the notice paid.
        (_payment(reversed_at=REVERSED), "/reversed_at", "not_allowed"),
    ],
)
def test_a_bad_reversal_is_refused_naming_the_field(body, pointer, code):
    with pytest.raises(ValidationError) as caught:
        check_payment_event(payment_event(body), now=NOW)
    assert [(error.pointer, error.code) for error in caught.value.errors] == [(pointer, code)]


# --- reversing -----------------------------------------------------------------------------


def test_a_reversal_makes_a_paid_notice_unpaid_and_keeps_the_payment_it_reversed(payments, clock):
    # GIVEN a recorded payment
    record_payment(payment_event(_payment()), payments=payments, clock=clock)
    assert _status(payments).is_paid
    # WHEN the payment platform reverses it
    reversed_ = record_payment(payment_event(_reversal()), payments=payments, clock=clock)
    # THEN the notice is unpaid, and the record says which payment was reversed and when
    assert reversed_.created
    assert not _status(payments).is_paid
    assert (reversed_.payment.paid_at, reversed_.payment.reversed_at) == (PAID_AT, REVERSED_AT)


def test_a_repeated_reversal_changes_nothing(payments, clock):
    record_payment(payment_event(_payment()), payments=payments, clock=clock)
    first = record_payment(payment_event(_reversal()), payments=payments, clock=clock)
    clock.advance(minutes=5)
    again = record_payment(
        payment_event(_reversal(reversed_at="2026-11-22T11:05:00Z")), payments=payments, clock=clock
    )
    assert not again.created
    assert again.payment == first.payment
    assert payments.get(PAYEE, NOTICE) == first.payment


def test_a_late_repeat_of_a_reversed_payment_does_not_make_it_paid_again(payments, clock):
    # GIVEN a payment recorded, then reversed
    record_payment(payment_event(_payment()), payments=payments, clock=clock)
    reversed_ = record_payment(payment_event(_reversal()), payments=payments, clock=clock)
    # WHEN the platform's retry of the first report arrives late
    late = record_payment(payment_event(_payment()), payments=payments, clock=clock)
    # THEN it is a repeat: the notice stays unpaid
    assert not late.created
    assert late.payment == reversed_.payment
    assert not _status(payments).is_paid


def test_a_new_payment_after_a_reversal_is_recorded_and_remembers_the_reversed_one(payments, clock):
    record_payment(payment_event(_payment()), payments=payments, clock=clock)
    record_payment(payment_event(_reversal()), payments=payments, clock=clock)
    clock.advance(hours=1)
    again = record_payment(payment_event(_payment(PAID_AGAIN)), payments=payments, clock=clock)
    assert again.created
    assert _status(payments) == NoticeStatus(paid_at=datetime(2026, 11, 22, 11, 30, tzinfo=UTC))
    assert again.payment.recorded_at == NOW + timedelta(hours=1)
    assert again.payment.reversed_payments == (
        ReversedPayment(paid_at=PAID_AT, reversed_at=REVERSED_AT),
    )
    # AND neither the first payment's nor its reversal's late repeat changes anything
    for late in (_payment(), _reversal()):
        assert not record_payment(payment_event(late), payments=payments, clock=clock).created
    assert _status(payments).is_paid


def test_a_reversal_arriving_before_its_payment_keeps_the_payment_from_counting(payments, clock):
    # GIVEN the reversal reaches Postino first (the payment's report is still being retried)
    first = record_payment(payment_event(_reversal()), payments=payments, clock=clock)
    # WHEN the payment's report arrives
    late = record_payment(payment_event(_payment()), payments=payments, clock=clock)
    # THEN the notice is unpaid: the payment is known as reversed
    assert first.created
    assert not late.created
    assert not _status(payments).is_paid


def test_a_reversal_of_a_payment_other_than_the_one_in_force_is_a_conflict(payments, clock):
    recorded = record_payment(payment_event(_payment()), payments=payments, clock=clock)
    with pytest.raises(PaymentConflictError) as caught:
        record_payment(
            payment_event(_reversal(paid_at="2026-11-22T09:00:00Z")), payments=payments, clock=clock
        )
    assert "2026-11-22T10:00:00Z" in str(caught.value)
    assert payments.get(PAYEE, NOTICE) == recorded.payment


def test_a_reversal_of_an_unknown_payment_while_none_is_in_force_is_remembered(payments, clock):
    record_payment(payment_event(_payment()), payments=payments, clock=clock)
    record_payment(payment_event(_reversal()), payments=payments, clock=clock)
    other = record_payment(
        payment_event(_reversal(paid_at="2026-11-22T09:00:00Z", reversed_at=REVERSED)),
        payments=payments,
        clock=clock,
    )
    assert other.created
    late = record_payment(
        payment_event(_payment("2026-11-22T09:00:00Z")), payments=payments, clock=clock
    )
    assert not late.created
    assert not _status(payments).is_paid


# --- faults --------------------------------------------------------------------------------


def test_a_reversal_whose_reply_was_lost_is_answered_as_a_repeat_on_retry(payments, clock):
    # GIVEN a recorded payment, and a reversal whose write lands but whose reply is lost
    record_payment(payment_event(_payment()), payments=payments, clock=clock)
    faulty = FaultyPort(payments, "replace", [LOST])
    with pytest.raises(OutcomeUnknownError):
        record_payment(payment_event(_reversal()), payments=faulty, clock=clock)
    # WHEN the platform retries
    retried = record_payment(payment_event(_reversal()), payments=faulty, clock=clock)
    # THEN the retry finds its reversal: 200, one reversal, the notice unpaid
    assert not retried.created
    assert retried.payment.reversed_at == REVERSED_AT
    assert retried.payment.reversed_payments == ()
    assert not _status(payments).is_paid


def test_a_new_payment_whose_reply_was_lost_is_recorded_once(payments, clock):
    record_payment(payment_event(_payment()), payments=payments, clock=clock)
    record_payment(payment_event(_reversal()), payments=payments, clock=clock)
    faulty = FaultyPort(payments, "replace", [LOST])
    with pytest.raises(OutcomeUnknownError):
        record_payment(payment_event(_payment(PAID_AGAIN)), payments=faulty, clock=clock)
    retried = record_payment(payment_event(_payment(PAID_AGAIN)), payments=faulty, clock=clock)
    assert not retried.created
    assert len(retried.payment.reversed_payments) == 1
    assert _status(payments).is_paid


class _Interleaved(FakePaymentRepository):
    """Before each of its first `times` writes, runs `meanwhile` on the same records: another
    event of the notice landing between this event's read and its write."""

    def __init__(self, meanwhile: Callable[[FakePaymentRepository], None], times: int = 1):
        super().__init__()
        self._meanwhile = meanwhile
        self._times = times

    def _interleave(self) -> None:
        if self._times:
            self._times -= 1
            other = FakePaymentRepository()
            other.stored = self.stored
            self._meanwhile(other)

    def add(self, payment: Payment) -> Payment:
        self._interleave()
        return super().add(payment)

    def replace(self, payment: Payment) -> Payment:
        self._interleave()
        return super().replace(payment)


def _recording(body: bytes) -> Callable[[FakePaymentRepository], None]:
    def record(other: FakePaymentRepository) -> None:
        record_payment(payment_event(body), payments=other, clock=FakeClock(NOW))

    return record


def test_a_payment_racing_its_own_first_report_is_a_repeat(clock):
    # GIVEN another delivery of the same report creates the record first
    payments = _Interleaved(_recording(_payment()))
    # WHEN this one is recorded
    recorded = record_payment(payment_event(_payment()), payments=payments, clock=clock)
    # THEN it finds the other's record: a repeat
    assert not recorded.created
    assert recorded.payment == payments.get(PAYEE, NOTICE)


def test_two_deliveries_of_a_reversal_at_once_record_it_once(clock):
    # GIVEN a recorded payment, and another delivery of its reversal landing first
    payments = _Interleaved(_recording(_reversal(reversed_at="2026-11-22T11:01:00Z")))
    payments.stored.update(_recorded(_payment()))
    # WHEN this delivery is recorded
    recorded = record_payment(payment_event(_reversal()), payments=payments, clock=clock)
    # THEN it finds the other's reversal: a repeat, one reversal
    assert not recorded.created
    assert recorded.payment.reversed_at == datetime(2026, 11, 22, 11, 1, tzinfo=UTC)
    assert recorded.payment.reversed_payments == ()


def _recorded(body: bytes) -> dict[str, Payment]:
    store = FakePaymentRepository()
    record_payment(payment_event(body), payments=store, clock=FakeClock(NOW))
    return store.stored


def _touch(other: FakePaymentRepository) -> None:
    for key, payment in list(other.stored.items()):
        other.stored[key] = payment.model_copy(update={"version": uuid.uuid4().hex})


def test_an_event_that_keeps_losing_the_race_is_a_conflict(clock):
    # GIVEN a record that changes between every read and write of the event
    payments = _Interleaved(_touch, times=MAX_ATTEMPTS)
    payments.stored.update(_recorded(_payment()))
    # WHEN a reversal is recorded, THEN it gives up with a conflict, changing nothing
    with pytest.raises(ConcurrentUpdateError):
        record_payment(payment_event(_reversal()), payments=payments, clock=clock)
    assert _status(payments).is_paid
