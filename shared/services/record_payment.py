"""Record that a payment notice was paid, as the payment platform reports it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.domain.payment import Payment, validate_payment_event
from shared.services.ports import Clock, PaymentRepository

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedPayment:
    """The stored payment, and whether this event was the first to report it."""

    payment: Payment
    created: bool


def record_payment(body: bytes, *, payments: PaymentRepository, clock: Clock) -> RecordedPayment:
    """Record the payment event in `body`; a repeated event changes nothing.

    The first report of a notice wins: a repeat, with the same or another `paid_at`, gets
    the stored payment back. Raises ValidationError, StorageUnavailableError.
    """
    now = clock.now()
    event = validate_payment_event(body, now=now)
    stored, created = payments.record(Payment.reported(event, now))
    # Organization codes and notice numbers are not personal data; no citizen is named here.
    logger.info(
        "payment of notice %s to payee %s %s",
        stored.notice_number,
        stored.payee_fiscal_code,
        "recorded" if created else "already recorded (repeat ignored)",
    )
    return RecordedPayment(stored, created)
