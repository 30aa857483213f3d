"""Queue entry point of ProcessMessage: one message reference per queue message."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.config import max_dequeue_count
from shared.domain.errors import PostinoError
from shared.domain.message import FailureReason
from shared.domain.message_ref import MalformedQueueMessageError, MessageRef
from shared.entrypoints.entry_point import entry_point
from shared.observability.log_context import bind, note_status
from shared.services.process_message import fail_message, process_message

logger = logging.getLogger(__name__)


@entry_point("ProcessMessage")
def process_message_entry(msg: func.QueueMessage) -> None:
    """Process the referenced message; raise so the host retries, then poisons it.

    On the last attempt the host allows (host.json maxDequeueCount), a message that still
    cannot be processed is marked FAILED before the reference goes to the poison queue.
    """
    try:
        ref = MessageRef.from_json(msg.get_body())
    except MalformedQueueMessageError:
        # Retrying cannot fix it, but raising sends it to the poison queue where an
        # operator sees it, rather than dropping it silently.
        logger.error("queue message %s is not a message reference", msg.id)
        raise
    bind(message_id=ref.message_id)
    app = bootstrap.app()
    try:
        status = process_message(
            ref,
            messages=app.messages,
            profiles=app.profiles,
            attachments=app.attachments,
            clock=app.clock,
            rejected_retention_seconds=app.settings.rejected_retention_seconds,
            reminders=app.reminder_planner(),
            outbox=app.event_outbox(),
            index=app.message_index,
        )
        note_status(status or "DROPPED")
    except Exception:
        attempt = msg.dequeue_count or 1
        if attempt < max_dequeue_count():
            logger.warning("message %s: attempt %d failed, will retry", ref.message_id, attempt)
            raise
        logger.exception("message %s: last attempt %d failed", ref.message_id, attempt)
        try:
            final = fail_message(
                ref,
                FailureReason.RETRIES_EXHAUSTED,
                messages=app.messages,
                attachments=app.attachments,
                clock=app.clock,
                outbox=app.event_outbox(),
                index=app.message_index,
            )
            note_status(final or "DROPPED")
        except PostinoError:
            # Still ACCEPTED: the sweeper will send it again later; nothing is lost.
            logger.error("message %s: could not be marked FAILED either", ref.message_id)
        raise
