"""Accept a message from a service: validate, record it ACCEPTED, enqueue its reference."""

from __future__ import annotations

import logging

from shared.domain.message import Message, MessageStatus
from shared.domain.message_id import new_message_id
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.domain.service import Service
from shared.services.ports import Clock, MessageQueue, MessageRepository

logger = logging.getLogger(__name__)


def create_message(
    sender: Service,
    path_fiscal_code: str | None,
    body: bytes,
    *,
    messages: MessageRepository,
    queue: MessageQueue,
    clock: Clock,
) -> Message:
    """Record a new message as ACCEPTED and enqueue it for processing.

    Raises ValidationError (every invalid field at once) and StorageUnavailableError.
    """
    fiscal_code, new = validate_new_message(path_fiscal_code, body)
    now = clock.now()
    message = messages.add(
        Message(
            id=new_message_id(now),
            fiscal_code=fiscal_code,
            sender_service_id=sender.id,
            created_at=now,
            time_to_live=new.time_to_live,
            content=new.content,
            feature_level_type=new.feature_level_type,
            status=MessageStatus.ACCEPTED,
            status_changed_at=now,
        )
    )
    queue.send(MessageRef(message_id=message.id, fiscal_code=fiscal_code))
    logger.info("message %s accepted from service %s", message.id, sender.id)
    return message
