"""Record what the payment platform reports of a notice: a payment, or the reversal of one."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.domain.errors import AlreadyExistsError, ConcurrentUpdateError
from shared.domain.payment import (
    Payment,
    PaymentEvent,
    PaymentEventType,
    applied,
    check_payment_event,
)
from shared.services.ports import Clock, PaymentRepository

logger = logging.getLogger(__name__)

# Each attempt lost a race with another event of the same notice; more means a storm of
# events for one notice, answered 409 so the platform tries again.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class RecordedPayment:
    """The notice's stored record, and whether this event changed it (False: the event was
    known already, a repeat)."""

    payment: Payment
    created: bool


def record_payment(
    event: PaymentEvent, *, payments: PaymentRepository, clock: Clock
) -> RecordedPayment:
    """Apply `event` (the request's body, parsed) to its notice's record; a repeated event
    changes nothing.

    A payment is recorded unless one is in force (the first report wins) or it was
    reversed; a reversal marks the payment it names reversed (docs/reliability.md, section
    6). Every write is a create or a replace conditional on the version read, so a retry
    after a lost reply finds its own write and changes nothing.

    Raises ValidationError; PaymentConflictError (a reversal of a payment the record does
    not know while another is in force); ConcurrentUpdateError when other events of the
    notice kept winning the race; StorageUnavailableError (OutcomeUnknownError: the write
    may have landed, and a retry finds it).
    """
    now = clock.now()
    event = check_payment_event(event, now=now)
    # A payment is most often the notice's first event: try creating its record before
    # reading anything, as a payment always did.
    stored = (
        None
        if event.type is PaymentEventType.PAYMENT
        else payments.get(event.payee_fiscal_code, event.notice_number)
    )
    for _ in range(MAX_ATTEMPTS):
        changed = applied(event, stored, now)
        if changed is None:
            # An event changes nothing only on a record that holds it already.
            if stored is None:
                raise ValueError("no record, yet the event changes nothing")
            _log(stored, event.type, "already recorded (repeat ignored)")
            return RecordedPayment(stored, created=False)
        try:
            saved = payments.add(changed) if stored is None else payments.replace(changed)
        except (AlreadyExistsError, ConcurrentUpdateError):
            # Another event of the notice wrote first: decide again on what it wrote.
            stored = payments.get(event.payee_fiscal_code, event.notice_number)
            continue
        _log(saved, event.type, "recorded")
        return RecordedPayment(saved, created=True)
    raise ConcurrentUpdateError(
        "other events of this notice are being recorded at the same time; retry"
    )


def _log(payment: Payment, kind: PaymentEventType, outcome: str) -> None:
    # Organization codes and notice numbers are not personal data; no citizen is named here.
    logger.info(
        "%s of notice %s to payee %s %s",
        "payment" if kind is PaymentEventType.PAYMENT else "reversal",
        payment.notice_number,
        payment.payee_fiscal_code,
        outcome,
    )
