"""The fast path of the events outbox: right after a change and its events are stored, a
reference to each new event goes on the events queue. A failed send loses nothing: the
event waits in its message's outbox, and the relay sends it once due."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from shared.domain.errors import StorageUnavailableError
from shared.domain.events import EventRef, PendingEvent
from shared.domain.message import Message
from shared.services.ports import EventQueue

logger = logging.getLogger(__name__)


def _announce(
    message: Message, events: Iterable[PendingEvent], *, queue: EventQueue, now: datetime
) -> int:
    sent = 0
    for event in events:
        ref = EventRef(message_id=message.id, fiscal_code=message.fiscal_code, event_id=event.id)
        try:
            queue.send(ref, delay=max(event.not_before - now, timedelta(0)))
        except StorageUnavailableError:
            logger.info("message %s: event %s left to the relay", message.id, event.id)
            continue
        sent += 1
    return sent


def announce_new_events(
    before: Message | None, stored: Message, *, queue: EventQueue, now: datetime
) -> int:
    """Send a reference to each event of `stored`'s outbox that `before` did not hold
    (delayed until its `not_before`), but those claimed already (their dispatcher delivers
    them); returns how many were sent."""
    known = set() if before is None else {event.id for event in before.outbox}
    news = [event for event in stored.outbox if event.id not in known and not event.is_claimed(now)]
    return _announce(stored, news, queue=queue, now=now)


def announce_pending(message: Message, *, queue: EventQueue, now: datetime) -> int:
    """Send a reference to each event of the message's outbox that no dispatcher holds."""
    free = [event for event in message.outbox if not event.is_claimed(now)]
    return _announce(message, free, queue=queue, now=now)
