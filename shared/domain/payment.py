"""Payments of notices, as the payment platform reports them, and their reversals.

A payment is a fact about a notice, keyed by the payee organization's fiscal code and the
notice number (neither is personal data). A message carrying that notice is paid when a
payment of it is recorded and not reversed, whether the payment came before the message or
after it.

Each notice has one record. A payment event records a payment when none is in force: the
first report wins, a repeat changes nothing. A reversal event names the payment it reverses
by its `paid_at` and marks it reversed: the notice is unpaid again, and a later payment of
it is recorded as a new one. A record remembers every payment it saw reversed, so a late
repeat of a reversed payment's report (a retry whose first attempt got no answer) never
makes the notice paid again, and a repeated reversal changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.compat import StrEnum
from shared.domain.errors import AlreadyExistsError, FieldError, ValidationError
from shared.domain.message import NOTICE_NUMBER_PATTERN, ORGANIZATION_FISCAL_CODE_PATTERN, Timestamp

# How far ahead of our clock a payment time may be: the platform's clock may run a little fast.
MAX_CLOCK_SKEW = timedelta(minutes=5)
PAID_AT_POINTER = "/paid_at"
REVERSED_AT_POINTER = "/reversed_at"


class PaymentEventType(StrEnum):
    # The notice was paid at `paid_at` (the default: events without a type are payments).
    PAYMENT = "PAYMENT"
    # The payment of the notice made at `paid_at` was reversed at `reversed_at`.
    REVERSAL = "REVERSAL"


class PaymentEvent(BaseModel):
    """The body of `POST /api/v1/payments`: this notice was paid at `paid_at`, or (type
    REVERSAL) that payment was reversed at `reversed_at`."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    type: PaymentEventType = PaymentEventType.PAYMENT
    payee_fiscal_code: Annotated[str, Field(pattern=ORGANIZATION_FISCAL_CODE_PATTERN)]
    notice_number: Annotated[str, Field(pattern=NOTICE_NUMBER_PATTERN)]
    paid_at: Timestamp
    reversed_at: Timestamp | None = None


def payment_id(payee_fiscal_code: str, notice_number: str) -> str:
    """The id of the payment record of this notice to this payee."""
    return f"{payee_fiscal_code}:{notice_number}"


class ReversedPayment(BaseModel):
    """An earlier payment of a notice, reversed."""

    model_config = ConfigDict(frozen=True)

    paid_at: datetime
    reversed_at: datetime


class Payment(BaseModel):
    """The record of a notice's payment: the latest payment reported (`paid_at`), in force
    unless `reversed_at` is set, and the earlier ones, each reversed.

    `recorded_at` is when Postino first heard of the latest payment, for operators.
    `version` is the store's concurrency token (the Cosmos etag): every change is
    conditional on it.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    payee_fiscal_code: str
    notice_number: str
    paid_at: datetime
    recorded_at: datetime
    reversed_at: datetime | None = None
    reversed_payments: tuple[ReversedPayment, ...] = ()
    version: str | None = Field(default=None, exclude=True)

    @property
    def is_in_force(self) -> bool:
        """Whether the notice is paid: its latest payment is not reversed."""
        return self.reversed_at is None

    def was_reversed(self, paid_at: datetime) -> bool:
        """Whether the payment made at `paid_at` is one this record saw reversed."""
        return (self.reversed_at is not None and self.paid_at == paid_at) or any(
            earlier.paid_at == paid_at for earlier in self.reversed_payments
        )


@dataclass(frozen=True)
class NoticeStatus:
    """What a sender may know of its message's notice: paid at `paid_at`, or not (None)."""

    paid_at: datetime | None

    @classmethod
    def of(cls, payment: Payment | None) -> NoticeStatus:
        """The status a notice's record gives it (no record: not paid)."""
        if payment is None or not payment.is_in_force:
            return cls(paid_at=None)
        return cls(paid_at=payment.paid_at)

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


class PaymentConflictError(AlreadyExistsError):
    """A reversal names a payment the notice's record does not know, while another payment
    of the notice is in force (answered 409, as any AlreadyExistsError)."""


def _new_record(event: PaymentEvent, now: datetime) -> Payment:
    return Payment(
        id=payment_id(event.payee_fiscal_code, event.notice_number),
        payee_fiscal_code=event.payee_fiscal_code,
        notice_number=event.notice_number,
        paid_at=event.paid_at,
        recorded_at=now,
        reversed_at=event.reversed_at,
    )


def _timestamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _with_payment(event: PaymentEvent, stored: Payment | None, now: datetime) -> Payment | None:
    if stored is None:
        return _new_record(event, now)
    if stored.reversed_at is None or stored.was_reversed(event.paid_at):
        # The first report of a payment in force wins; a reversed payment stays reversed.
        return None
    latest = ReversedPayment(paid_at=stored.paid_at, reversed_at=stored.reversed_at)
    return stored.model_copy(
        update={
            "paid_at": event.paid_at,
            "recorded_at": now,
            "reversed_at": None,
            "reversed_payments": (*stored.reversed_payments, latest),
        }
    )


def _with_reversal(event: PaymentEvent, stored: Payment | None, now: datetime) -> Payment | None:
    reversed_at = event.reversed_at
    if reversed_at is None:  # check_payment_event requires it of a reversal
        raise ValueError("a reversal event without reversed_at")
    if stored is None:
        # The reversal came first (its payment's report may still be on its way, or never
        # came): remember the payment as reversed, so its report changes nothing.
        return _new_record(event, now)
    if stored.was_reversed(event.paid_at):
        return None
    if stored.paid_at == event.paid_at:
        return stored.model_copy(update={"reversed_at": reversed_at})
    if stored.is_in_force:
        raise PaymentConflictError(
            f"the payment of this notice recorded as in force was paid at "
            f"{_timestamp(stored.paid_at)}, not at {_timestamp(event.paid_at)}: a reversal "
            "names the payment it reverses by its paid_at"
        )
    # A payment Postino never heard of, while none is in force: remember it as reversed.
    earlier = ReversedPayment(paid_at=event.paid_at, reversed_at=reversed_at)
    return stored.model_copy(update={"reversed_payments": (*stored.reversed_payments, earlier)})


def applied(event: PaymentEvent, stored: Payment | None, now: datetime) -> Payment | None:
    """The notice's record once `event` (received at `now`) is applied to `stored` (None:
    no record yet); None when the event changes nothing (it is known already).

    Raises PaymentConflictError for a reversal of a payment the record does not know while
    another payment of the notice is in force.
    """
    if event.type is PaymentEventType.REVERSAL:
        return _with_reversal(event, stored, now)
    return _with_payment(event, stored, now)


def _in_the_future(pointer: str, field: str, minutes: int, what: str) -> FieldError:
    return FieldError(
        "in_the_future",
        f"{field} is in the future (more than {minutes} minutes after the time Postino "
        f"received the event): send the time the notice was {what}",
        pointer,
    )


def check_payment_event(event: PaymentEvent, *, now: datetime) -> PaymentEvent:
    """`event` (a request body parsed into the model) received at `now`, checked against
    the rules its fields alone cannot tell.

    Raises ValidationError listing every invalid field: a `paid_at` or `reversed_at` more
    than MAX_CLOCK_SKEW after `now` (an event cannot be reported before it happens); a
    reversal without `reversed_at`, or with one before `paid_at`; a payment with one (it
    would be recorded as paid: the sender most likely meant a reversal).
    """
    minutes = int(MAX_CLOCK_SKEW.total_seconds() // 60)
    errors = []
    if event.paid_at > now + MAX_CLOCK_SKEW:
        errors.append(_in_the_future(PAID_AT_POINTER, "paid_at", minutes, "paid"))
    if event.type is PaymentEventType.PAYMENT and event.reversed_at is not None:
        detail = "a payment has no reversed_at: to reverse a payment, send type REVERSAL"
        errors.append(FieldError("not_allowed", detail, REVERSED_AT_POINTER))
    elif event.type is PaymentEventType.REVERSAL:
        if event.reversed_at is None:
            detail = "a reversal needs reversed_at, the time the payment was reversed"
            errors.append(FieldError("required", detail, REVERSED_AT_POINTER))
        elif event.reversed_at > now + MAX_CLOCK_SKEW:
            errors.append(_in_the_future(REVERSED_AT_POINTER, "reversed_at", minutes, "reversed"))
        elif event.reversed_at < event.paid_at:
            detail = "reversed_at is before paid_at: a payment is reversed after it is made"
            errors.append(FieldError("out_of_range", detail, REVERSED_AT_POINTER))
    if errors:
        raise ValidationError(errors)
    return event
