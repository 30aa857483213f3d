"""The events outbox's relay: send again a reference to every event still waiting past its
`due_at` (its fast-path send was lost, its retry's delayed reference was lost, or the
dispatcher holding it died), then move its `due_at` a grace further, so that a backlog on the
queue does not make the relay send the same event every run. A second reference to an event
is harmless: the dispatcher claims an event before delivering it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from shared.domain.errors import PostinoError, StorageUnavailableError
from shared.domain.events import DEFAULT_TIMING, EventRef, EventTiming
from shared.domain.message import Message
from shared.services.ports import Clock, EventQueue, MessageRepository

logger = logging.getLogger(__name__)

RELAY_BATCH = 500


@dataclass(frozen=True)
class RelayReport:
    relayed: int
    # The queue could not be reached: the run stopped; the next one tries again.
    queue_unreachable: bool = False


def relay_events(
    *,
    messages: MessageRepository,
    queue: EventQueue,
    clock: Clock,
    limit: int = RELAY_BATCH,
    timing: EventTiming = DEFAULT_TIMING,
) -> RelayReport:
    """Send again a reference to each event due in up to `limit` messages' outboxes.

    Raises StorageUnavailableError when Cosmos DB is unreachable; stops (and says so in the
    report) when the queue is.
    """
    relayed = 0
    for message in messages.due_outboxes(clock.now(), limit):
        now = clock.now()
        due = [e for e in message.outbox if e.due_at <= now and not e.is_claimed(now)]
        try:
            for event in due:
                ref = EventRef(
                    message_id=message.id, fiscal_code=message.fiscal_code, event_id=event.id
                )
                queue.send(ref, delay=max(event.not_before - now, timedelta(0)))
        except StorageUnavailableError:
            logger.warning("relay stopped: the events queue is unreachable")
            return RelayReport(relayed=relayed, queue_unreachable=True)
        relayed += len(due)
        _push_back(
            message, [event.id for event in due], messages=messages, clock=clock, timing=timing
        )
    return RelayReport(relayed=relayed)


def _push_back(
    message: Message,
    event_ids: list[str],
    *,
    messages: MessageRepository,
    clock: Clock,
    timing: EventTiming,
) -> None:
    """Move the relayed events' due_at a grace further (and a claim long expired, past its
    due, along). A write that fails only means the next run relays them once more."""
    now = clock.now()
    moved = message
    for event_id in event_ids:
        event = moved.pending(event_id)
        if event is not None:
            moved = moved.with_event(event.relayed(now, timing))
    try:
        messages.replace(moved)
    except PostinoError:
        logger.info("message %s: relayed events not pushed back", message.id)
