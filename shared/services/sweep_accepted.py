"""The outbox relay: send again the references of messages still ACCEPTED long after their
last write, so that a lost enqueue, a process that died before or after it, or a message
left behind by a poisoned attempt never loses a message.

A message is re-sent only when the queue has moved past it: its document was last written
(accepted, or re-sent) before the oldest reference still waiting in the queue was inserted.
A reference that may still be waiting in a backlog is not sent again, so a backlog never
grows by the sweeper's copies, and a message is never failed for waiting its turn. A
reference received by a host that then died is invisible to the queue for minutes: the
sweeper sends it again after the grace. Re-sending is harmless: ProcessMessage decides a
message once (a conditional write), whatever the number of references.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from shared.domain.errors import ConcurrentUpdateError, PostinoError
from shared.domain.message import FailureReason, Message
from shared.domain.message_ref import MessageRef
from shared.observability.metrics import app_metrics
from shared.services.announce_events import announce_new_events
from shared.services.message_attachments import discard_attachments
from shared.services.message_events import EventOutbox, with_failure_events
from shared.services.ports import AttachmentStore, Clock, MessageQueue, MessageRepository

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


@dataclass(frozen=True)
class SweepReport:
    resent: int
    failed: int
    # The queue could not be reached: nothing was sent, nothing counted as a re-send.
    queue_unreachable: bool = False


def _give_up(
    message: Message,
    *,
    messages: MessageRepository,
    attachments: AttachmentStore,
    clock: Clock,
    outbox: EventOutbox | None,
) -> bool:
    """Mark a message re-sent too often FAILED (with its callback event, when its service
    wants one); False when it changed meanwhile."""
    now = clock.now()
    failed = with_failure_events(
        message.failed(FailureReason.REDELIVERY_LIMIT, now), outbox=outbox, now=now
    )
    try:
        stored = messages.replace(failed)
    except ConcurrentUpdateError:
        return False  # processed or swept by someone else in the meantime
    if outbox is not None:
        announce_new_events(message, stored, queue=outbox.queue, now=now)
    logger.warning("message %s FAILED after %d re-sends", message.id, message.redeliveries)
    app_metrics().failed(message.sender_service_id, FailureReason.REDELIVERY_LIMIT)
    if message.attachments:
        discard_attachments(message.id, attachments=attachments)
    return True


def _resend(
    message: Message, *, messages: MessageRepository, queue: MessageQueue, clock: Clock
) -> None:
    """Send the reference, then count the re-send on the document.

    Sending first means a re-send is counted only once it happened; a count that fails to
    be written (the message was decided meanwhile, or Cosmos is unreachable) only means the
    next sweep may send it once more, which is harmless. Raises StorageUnavailableError
    when the queue is unreachable.
    """
    queue.send(MessageRef(message_id=message.id, fiscal_code=message.fiscal_code))
    logger.info("message %s re-sent (re-send %d)", message.id, message.redeliveries + 1)
    try:
        messages.replace(message.resent(clock.now()))
    except PostinoError:
        logger.info("message %s: its re-send was not counted", message.id)


def sweep_accepted(
    *,
    messages: MessageRepository,
    queue: MessageQueue,
    attachments: AttachmentStore,
    clock: Clock,
    grace_seconds: int,
    max_redeliveries: int,
    limit: int = SWEEP_BATCH,
    outbox: EventOutbox | None = None,
) -> SweepReport:
    """Re-enqueue each message ACCEPTED and untouched for `grace_seconds` that the queue has
    moved past; mark FAILED those already re-sent `max_redeliveries` times (deleting their
    attachments).

    Raises StorageUnavailableError when Cosmos DB is unreachable; stops (and says so in the
    report) when the queue is.
    """
    now = clock.now()
    cutoff = now - timedelta(seconds=grace_seconds)
    try:
        waiting_since = queue.oldest_waiting()
    except PostinoError:
        logger.warning("sweep skipped: the queue is unreachable")
        return SweepReport(resent=0, failed=0, queue_unreachable=True)
    if waiting_since is not None and waiting_since < cutoff:
        cutoff = waiting_since
    resent = failed = 0
    for message in messages.stale_accepted(cutoff, limit):
        if message.redeliveries >= max_redeliveries:
            failed += _give_up(
                message, messages=messages, attachments=attachments, clock=clock, outbox=outbox
            )
            continue
        try:
            _resend(message, messages=messages, queue=queue, clock=clock)
        except PostinoError:
            logger.warning("sweep stopped: the queue is unreachable")
            return SweepReport(resent=resent, failed=failed, queue_unreachable=True)
        resent += 1
    return SweepReport(resent=resent, failed=failed)
