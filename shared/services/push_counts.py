"""Counting a reminder push on its message, for operators' per-service counts
(`message stats`): the message keeps the reminder slots a push was sent for, and its
sender's index the total (shared.domain.service_messages).

A count, not a delivery: it never stops a reminder run. The slot is added to a set, so a
write repeated after a lost reply counts nothing twice; a count whose writes all fail is
logged (message id only) and missing from the totals, which docs/reliability.md states.
"""

from __future__ import annotations

import logging

from shared.domain.errors import (
    ConcurrentUpdateError,
    OutcomeUnknownError,
    StorageUnavailableError,
)
from shared.domain.message import Message
from shared.services.ports import MessageRepository, ServiceMessageIndex
from shared.services.service_message_index import index_if_possible

logger = logging.getLogger(__name__)

# Conditional writes tried in all, when others keep writing the message (read marks).
_WRITE_ATTEMPTS = 3


def count_reminder_sent(
    message: Message,
    slot_key: str,
    *,
    messages: MessageRepository,
    index: ServiceMessageIndex | None,
) -> bool:
    """Note on `message` that a reminder was sent for `slot_key`, then in its sender's
    index. False (logged) when the message could not be written; never raises."""
    current: Message | None = message
    try:
        for _ in range(_WRITE_ATTEMPTS):
            if current is None:
                return False  # erased meanwhile: nothing left to count on
            counted = current.with_reminder_sent(slot_key)
            if counted is current:  # counted already (a lost reply's write had landed)
                return index_if_possible(current, index)
            try:
                stored = messages.replace(counted)
            except (ConcurrentUpdateError, OutcomeUnknownError):
                current = messages.get(message.fiscal_code, message.id)
                continue
            return index_if_possible(stored, index)
    except StorageUnavailableError as failure:
        logger.warning(
            "message %s: its reminder was not counted (%s)", message.id, type(failure).__name__
        )
        return False
    logger.warning("message %s: its reminder was not counted (it kept changing)", message.id)
    return False
