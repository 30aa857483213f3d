"""Queue entry point of ProcessMessage: one message reference per queue message."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.domain.message_ref import MalformedQueueMessageError, MessageRef
from shared.services.process_message import process_message

logger = logging.getLogger(__name__)


def handle_process_message(msg: func.QueueMessage) -> None:
    """Process the referenced message; raise so the host retries, then poisons it."""
    try:
        ref = MessageRef.from_json(msg.get_body())
    except MalformedQueueMessageError:
        # Retrying cannot fix it, but raising sends it to the poison queue where an
        # operator sees it, rather than dropping it silently.
        logger.error("queue message %s is not a message reference", msg.id)
        raise
    app = bootstrap.app()
    process_message(ref, messages=app.messages, profiles=app.profiles, clock=app.clock)
