"""Telling senders that a notice was paid: after the payment platform's event, each message
watching the notice (shared.domain.notice_watch) gets a `message.paid` event in its outbox,
once per payment.

The payment's record is written first, then the watching messages: a process that dies in
between leaves the platform without an answer, and its retry (a repeat, answered 200) tells
the messages that were not told yet. A message is told at most once per payment: it keeps
the `paid_at` it was told of, written with the event.
"""

from __future__ import annotations

import logging

from shared.domain.errors import ConcurrentUpdateError
from shared.domain.payment import Payment
from shared.services.announce_events import announce_new_events
from shared.services.message_events import EventOutbox, with_paid_event
from shared.services.ports import Clock, MessageRepository

logger = logging.getLogger(__name__)

_WRITE_ATTEMPTS = 3


def tell_paid(
    payment: Payment, *, outbox: EventOutbox, messages: MessageRepository, clock: Clock
) -> int:
    """Add `message.paid` to every message watching the notice of `payment` (in force) that
    was not told of it yet; return how many were told now.

    Raises StorageUnavailableError, and ConcurrentUpdateError when others kept writing a
    message (the platform's retry finishes the job).
    """
    if not payment.is_in_force or outbox.watches is None:
        return 0
    told = 0
    for watch in outbox.watches.watchers(payment.id):
        for _ in range(_WRITE_ATTEMPTS):
            message = messages.get(watch.fiscal_code, watch.id)
            now = clock.now()
            updated = (
                None
                if message is None
                else with_paid_event(message, payment, now=now, timing=outbox.timing)
            )
            if message is None or updated is None or updated is message:
                break
            try:
                stored = messages.replace(updated)
            except ConcurrentUpdateError:
                continue
            logger.info("message %s: its notice's payment is to be told", message.id)
            announce_new_events(message, stored, queue=outbox.queue, now=now)
            told += 1
            break
        else:
            raise ConcurrentUpdateError(f"message {watch.id} kept changing")
    return told
