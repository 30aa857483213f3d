"""Payments of notices, as the payment platform reports them.

A payment is a fact about a notice, keyed by the payee organization's fiscal code and the
notice number (neither is personal data). A message carrying that notice is paid when a
payment of it is recorded, whether the payment came before the message or after it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.errors import FieldError, ValidationError
from shared.domain.message import NOTICE_NUMBER_PATTERN, ORGANIZATION_FISCAL_CODE_PATTERN, Timestamp
from shared.domain.validation import parse_json_model

# How far ahead of our clock a payment time may be: the platform's clock may run a little fast.
MAX_CLOCK_SKEW = timedelta(minutes=5)
PAID_AT_POINTER = "/paid_at"


class PaymentEvent(BaseModel):
    """The body of `POST /api/v1/payments`: this notice was paid at `paid_at`."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    payee_fiscal_code: Annotated[str, Field(pattern=ORGANIZATION_FISCAL_CODE_PATTERN)]
    notice_number: Annotated[str, Field(pattern=NOTICE_NUMBER_PATTERN)]
    paid_at: Timestamp


def payment_id(payee_fiscal_code: str, notice_number: str) -> str:
    """The id of the payment record of this notice to this payee."""
    return f"{payee_fiscal_code}:{notice_number}"


class Payment(BaseModel):
    """A recorded payment of a notice; the first report wins and is never overwritten.

    `recorded_at` is when Postino first heard of it, for operators.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    payee_fiscal_code: str
    notice_number: str
    paid_at: datetime
    recorded_at: datetime

    @classmethod
    def reported(cls, event: PaymentEvent, now: datetime) -> Payment:
        """The record of a payment event received at `now`."""
        return cls(
            id=payment_id(event.payee_fiscal_code, event.notice_number),
            payee_fiscal_code=event.payee_fiscal_code,
            notice_number=event.notice_number,
            paid_at=event.paid_at,
            recorded_at=now,
        )


def validate_payment_event(body: bytes, *, now: datetime) -> PaymentEvent:
    """The payment event of a request body received at `now`.

    Raises ValidationError listing every invalid field; a `paid_at` more than
    MAX_CLOCK_SKEW after `now` is invalid (a payment cannot be reported before it happens).
    """
    event = parse_json_model(PaymentEvent, body)
    if event.paid_at > now + MAX_CLOCK_SKEW:
        minutes = int(MAX_CLOCK_SKEW.total_seconds() // 60)
        raise ValidationError(
            [
                FieldError(
                    "in_the_future",
                    f"paid_at is in the future (more than {minutes} minutes after the time "
                    "Postino received the event): send the time the notice was paid",
                    PAID_AT_POINTER,
                )
            ]
        )
    return event
