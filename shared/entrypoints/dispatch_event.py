"""Queue entry point of DispatchEvent: one event reference per queue message."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.config import max_dequeue_count
from shared.domain.errors import PostinoError
from shared.domain.events import EventRef, MalformedEventRefError
from shared.entrypoints.entry_point import entry_point
from shared.observability.log_context import bind, note_status
from shared.services.dispatch_event import dispatch_event

logger = logging.getLogger(__name__)


@entry_point("DispatchEvent")
def dispatch_event_entry(msg: func.QueueMessage) -> None:
    """Dispatch the referenced event; raise so the host retries a storage failure.

    The event stays in its message's outbox until it is delivered or given up on, so a
    reference whose attempts run out is not needed: on the last attempt the failure is only
    logged (the relay sends a new reference once the event is due), never poisoned.
    """
    try:
        ref = EventRef.from_json(msg.get_body())
    except MalformedEventRefError:
        logger.error("queue message %s is not an event reference", msg.id)
        raise
    bind(message_id=ref.message_id)
    app = bootstrap.app()
    try:
        note_status(dispatch_event(ref, ports=app.dispatch_ports()))
    except PostinoError:
        attempt = msg.dequeue_count or 1
        if attempt < max_dequeue_count():
            logger.warning("event %s: attempt %d failed, will retry", ref.event_id, attempt)
            raise
        logger.error("event %s: attempt %d failed; left to the relay", ref.event_id, attempt)
