"""Send again the messages still ACCEPTED long after their last enqueue, so a lost
enqueue (or a message left behind by a poisoned attempt) never loses a message."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from shared.domain.errors import ConcurrentUpdateError
from shared.domain.message import FailureReason
from shared.domain.message_ref import MessageRef
from shared.observability.metrics import app_metrics
from shared.services.message_attachments import discard_attachments
from shared.services.ports import AttachmentStore, Clock, MessageQueue, MessageRepository

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


@dataclass(frozen=True)
class SweepReport:
    resent: int
    failed: int


def sweep_accepted(
    *,
    messages: MessageRepository,
    queue: MessageQueue,
    attachments: AttachmentStore,
    clock: Clock,
    grace_seconds: int,
    max_redeliveries: int,
    limit: int = SWEEP_BATCH,
) -> SweepReport:
    """Re-enqueue each message ACCEPTED and untouched for `grace_seconds`; mark FAILED
    those already re-sent `max_redeliveries` times (deleting their attachments).

    Each message is claimed by a conditional write before its reference is sent, so two
    overlapping sweeps never send one twice. Raises StorageUnavailableError.
    """
    now = clock.now()
    resent = failed = 0
    for message in messages.stale_accepted(now - timedelta(seconds=grace_seconds), limit):
        try:
            if message.redeliveries >= max_redeliveries:
                messages.replace(message.failed(FailureReason.REDELIVERY_LIMIT, now))
                logger.warning(
                    "message %s FAILED after %d re-sends", message.id, message.redeliveries
                )
                app_metrics().failed(message.sender_service_id, FailureReason.REDELIVERY_LIMIT)
                if message.attachments:
                    discard_attachments(message.id, attachments=attachments)
                failed += 1
                continue
            messages.replace(message.resent(now))
        except ConcurrentUpdateError:
            continue  # processed or swept by someone else in the meantime
        queue.send(MessageRef(message_id=message.id, fiscal_code=message.fiscal_code))
        logger.info("message %s re-sent (re-send %d)", message.id, message.redeliveries + 1)
        resent += 1
    return SweepReport(resent=resent, failed=failed)
