"""Deliver an accepted message to the recipient's inbox, or reject it."""

from __future__ import annotations

import logging

from shared.domain.errors import ConcurrentUpdateError
from shared.domain.message import Message, MessageStatus, RejectionReason
from shared.domain.message_ref import MessageRef
from shared.services.ports import Clock, MessageRepository, ProfileRepository

logger = logging.getLogger(__name__)


def _decide(message: Message, *, profiles: ProfileRepository, clock: Clock) -> Message:
    profile = profiles.get(message.fiscal_code)
    if profile is None:
        return message.rejected(RejectionReason.USER_NOT_FOUND, clock.now())
    reason = profile.refusal_reason(message.sender_service_id)
    if reason is not None:
        return message.rejected(reason, clock.now())
    return message.processed(clock.now())


def process_message(
    ref: MessageRef,
    *,
    messages: MessageRepository,
    profiles: ProfileRepository,
    clock: Clock,
) -> MessageStatus | None:
    """Move the referenced message from ACCEPTED to PROCESSED or REJECTED, exactly once.

    Returns the message's final status, or None when no such message is stored (nothing
    to retry). A redelivered reference to a message already decided changes nothing.
    Raises StorageUnavailableError so that the queue retries later.
    """
    message = messages.get(ref.fiscal_code, ref.message_id)
    if message is None:
        logger.warning("message %s: no stored record, dropping its queue message", ref.message_id)
        return None
    if message.status.is_terminal:
        logger.info("message %s already %s, nothing to do", message.id, message.status)
        return message.status
    decided = _decide(message, profiles=profiles, clock=clock)
    try:
        messages.replace(decided)
    except ConcurrentUpdateError:
        # Another delivery of the same reference got there first; its decision stands.
        current = messages.get(ref.fiscal_code, ref.message_id)
        if current is None or not current.status.is_terminal:
            raise
        return current.status
    logger.info("message %s %s", message.id, decided.status)
    return decided.status
