"""Operators look at the poison queue and send its messages round again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from shared.domain.errors import ConcurrentUpdateError
from shared.domain.message import MessageStatus
from shared.domain.poison import PoisonedMessage
from shared.services.ports import Clock, MessageQueue, MessageRepository, PoisonQueue

logger = logging.getLogger(__name__)

# Long enough to handle a batch; if the operator's process dies, the messages reappear.
HOLD_SECONDS = 60


class RedriveOutcome(StrEnum):
    REDRIVEN = "REDRIVEN"  # back to ACCEPTED and on the queue again
    ALREADY_DECIDED = "ALREADY_DECIDED"  # PROCESSED or REJECTED meanwhile: dropped
    MISSING = "MISSING"  # no such message stored: dropped
    MALFORMED = "MALFORMED"  # not a message reference: left in the poison queue
    CHANGED = "CHANGED"  # changed while being redriven: left for another try
    # FAILED with attachments, deleted when it failed: dropped, the sender must send again
    ATTACHMENTS_DELETED = "ATTACHMENTS_DELETED"


@dataclass(frozen=True)
class RedriveResult:
    queue_message_id: str
    message_id: str | None
    outcome: RedriveOutcome


def list_poisoned(*, poison: PoisonQueue, limit: int = 32) -> list[PoisonedMessage]:
    """The first poisoned messages, left where they are. Raises StorageUnavailableError."""
    return poison.peek(limit)


def _redrive_one(
    item: PoisonedMessage,
    *,
    poison: PoisonQueue,
    queue: MessageQueue,
    messages: MessageRepository,
    clock: Clock,
) -> RedriveOutcome:
    if item.ref is None:
        return RedriveOutcome.MALFORMED
    message = messages.get(item.ref.fiscal_code, item.ref.message_id)
    if message is None:
        poison.delete(item)
        return RedriveOutcome.MISSING
    if message.status in (MessageStatus.PROCESSED, MessageStatus.REJECTED):
        poison.delete(item)
        return RedriveOutcome.ALREADY_DECIDED
    if message.status is MessageStatus.FAILED and message.attachments:
        poison.delete(item)
        logger.warning("message %s not redriven: its attachments were deleted", message.id)
        return RedriveOutcome.ATTACHMENTS_DELETED
    try:
        messages.replace(message.redriven(clock.now()))
    except ConcurrentUpdateError:
        return RedriveOutcome.CHANGED
    # Sent before the poison copy is deleted: a crash in between redrives it twice at
    # worst, and processing the same reference twice changes nothing.
    queue.send(item.ref)
    poison.delete(item)
    logger.info("message %s redriven", message.id)
    return RedriveOutcome.REDRIVEN


def redrive_poisoned(
    *,
    poison: PoisonQueue,
    queue: MessageQueue,
    messages: MessageRepository,
    clock: Clock,
    limit: int = 32,
    message_id: str | None = None,
) -> list[RedriveResult]:
    """Put poisoned messages (all taken, or only `message_id`) back to ACCEPTED and on
    the queue; drop those decided meanwhile or gone. Raises StorageUnavailableError."""
    results = []
    for item in poison.take(limit, HOLD_SECONDS):
        ref_id = item.ref.message_id if item.ref else None
        if message_id is not None and ref_id != message_id:
            continue  # not the one asked for: it reappears after the hold
        outcome = _redrive_one(item, poison=poison, queue=queue, messages=messages, clock=clock)
        results.append(RedriveResult(item.queue_message_id, ref_id, outcome))
    return results
