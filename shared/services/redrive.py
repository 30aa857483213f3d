"""Operators look at the poison queue, send its messages round again, or delete them.

Both take the first poisoned messages (hidden from others while being handled) and give
back at once those they leave: nothing looked at and not chosen stays hidden."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from shared.domain.errors import ConcurrentUpdateError
from shared.domain.message import MessageStatus
from shared.domain.poison import PoisonedMessage
from shared.services.ports import Clock, MessageQueue, MessageRepository, PoisonQueue

logger = logging.getLogger(__name__)

# Long enough to handle a batch; if the operator's process dies, the messages reappear
# after it (otherwise those left are released at once).
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
    """Put poisoned messages (the first `limit`, or only `message_id` among them) back to
    ACCEPTED and on the queue; drop those decided meanwhile or gone. Those left in the
    poison queue (not asked for, malformed, changed) are visible again at once.

    Raises StorageUnavailableError.
    """
    results = []
    for item in poison.take(limit, HOLD_SECONDS):
        ref_id = item.ref.message_id if item.ref else None
        if message_id is not None and ref_id != message_id:
            poison.release(item)  # not the one asked for
            continue
        outcome = _redrive_one(item, poison=poison, queue=queue, messages=messages, clock=clock)
        if outcome in (RedriveOutcome.MALFORMED, RedriveOutcome.CHANGED):
            poison.release(item)
        results.append(RedriveResult(item.queue_message_id, ref_id, outcome))
    return results


@dataclass(frozen=True)
class DeletedPoison:
    queue_message_id: str
    message_id: str | None  # None: it was not a message reference


def delete_poisoned(
    *,
    poison: PoisonQueue,
    limit: int = 32,
    message_id: str | None = None,
    queue_message_id: str | None = None,
) -> list[DeletedPoison]:
    """Delete from the poison queue the first `limit` poisoned messages, or among them only
    the reference to `message_id` or the queue message `queue_message_id`; the others are
    visible again at once. The messages themselves stay as stored (FAILED).

    Raises StorageUnavailableError.
    """
    deleted = []
    for item in poison.take(limit, HOLD_SECONDS):
        ref_id = item.ref.message_id if item.ref else None
        chosen = (message_id is None or ref_id == message_id) and (
            queue_message_id is None or item.queue_message_id == queue_message_id
        )
        if not chosen:
            poison.release(item)
            continue
        poison.delete(item)
        logger.info("poisoned reference %s deleted", item.queue_message_id)
        deleted.append(DeletedPoison(item.queue_message_id, ref_id))
    return deleted
