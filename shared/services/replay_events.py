"""Dead callback events: listing a service's, and replaying them (an operator's call, once
the service's receiver works again). A replayed event goes back into its message's outbox
under its own id, with a new 24-hour deadline, and its dead letter is dropped after; a replay
cut short is run again safely (an event already back is not added twice)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from shared.domain.errors import ConcurrentUpdateError, StorageUnavailableError
from shared.domain.events import DEFAULT_TIMING, DeadEvent, EventRef, EventTiming
from shared.services.ports import Clock, DeadEventStore, EventQueue, MessageRepository

logger = logging.getLogger(__name__)

_WRITE_ATTEMPTS = 3


class ReplayOutcome(StrEnum):
    REPLAYED = "REPLAYED"
    # Its message expired or was erased: nothing to tell about any more.
    MESSAGE_GONE = "MESSAGE_GONE"
    # Others kept writing its message: left dead, for another try.
    CHANGED = "CHANGED"


@dataclass(frozen=True)
class ReplayResult:
    event_id: str
    message_id: str
    outcome: ReplayOutcome


def list_dead_events(
    service_id: str, *, dead_events: DeadEventStore, limit: int
) -> list[DeadEvent]:
    """Up to `limit` of the service's dead events, oldest first."""
    return dead_events.list_for(service_id, limit)


def _replay_one(
    dead: DeadEvent,
    *,
    dead_events: DeadEventStore,
    messages: MessageRepository,
    queue: EventQueue,
    clock: Clock,
    timing: EventTiming,
) -> ReplayOutcome:
    message = messages.find(dead.message_id)
    if message is None:
        dead_events.remove(dead.service_id, dead.id)
        return ReplayOutcome.MESSAGE_GONE
    for _ in range(_WRITE_ATTEMPTS):
        if message.pending(dead.id) is not None:
            break
        try:
            message = messages.replace(message.with_events(dead.replayed(clock.now(), timing)))
            break
        except ConcurrentUpdateError:
            reread = messages.get(message.fiscal_code, message.id)
            if reread is None:
                dead_events.remove(dead.service_id, dead.id)
                return ReplayOutcome.MESSAGE_GONE
            message = reread
    else:
        return ReplayOutcome.CHANGED
    ref = EventRef(message_id=message.id, fiscal_code=message.fiscal_code, event_id=dead.id)
    try:
        queue.send(ref)
    except StorageUnavailableError:  # sent or not, the relay sends it once due
        logger.info("event %s: its replay is left to the relay", dead.id)
    dead_events.remove(dead.service_id, dead.id)
    logger.info("message %s: event %s replayed", message.id, dead.id)
    return ReplayOutcome.REPLAYED


def replay_dead_events(
    service_id: str,
    *,
    dead_events: DeadEventStore,
    messages: MessageRepository,
    queue: EventQueue,
    clock: Clock,
    limit: int,
    event_id: str | None = None,
    timing: EventTiming = DEFAULT_TIMING,
) -> list[ReplayResult]:
    """Replay up to `limit` of the service's dead events (or only `event_id`).

    Raises StorageUnavailableError.
    """
    results = []
    for dead in dead_events.list_for(service_id, limit):
        if event_id is not None and dead.id != event_id:
            continue
        outcome = _replay_one(
            dead,
            dead_events=dead_events,
            messages=messages,
            queue=queue,
            clock=clock,
            timing=timing,
        )
        results.append(ReplayResult(dead.id, dead.message_id, outcome))
    return results
