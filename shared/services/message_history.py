"""Operators follow a message through its statuses, without seeing its content or recipient."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shared.domain.errors import FieldError, NotFoundError, ValidationError
from shared.domain.fiscal_code import fiscal_code_errors
from shared.domain.message import (
    FailureReason,
    Message,
    MessageStatus,
    RejectionReason,
    StatusChange,
)
from shared.services.ports import MessageRepository

# Message ids are ULIDs: 26 characters of Crockford's base 32.
_MESSAGE_ID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


@dataclass(frozen=True)
class MessageHistory:
    """Where a message is and how it got there; no subject, body or fiscal code."""

    message_id: str
    sender_service_id: str
    created_at: datetime
    status: MessageStatus
    status_changed_at: datetime
    rejection_reason: RejectionReason | None
    failure_reason: FailureReason | None
    redeliveries: int
    changes: tuple[StatusChange, ...]

    @classmethod
    def of(cls, message: Message) -> MessageHistory:
        return cls(
            message_id=message.id,
            sender_service_id=message.sender_service_id,
            created_at=message.created_at,
            status=message.status,
            status_changed_at=message.status_changed_at,
            rejection_reason=message.rejection_reason,
            failure_reason=message.failure_reason,
            redeliveries=message.redeliveries,
            changes=message.status_history,
        )


def message_history(
    message_id: str, *, fiscal_code: str | None = None, messages: MessageRepository
) -> MessageHistory:
    """The message's status history: a point read in the recipient's partition when the
    fiscal code is known, else a search of every partition.

    Raises ValidationError for a malformed id or fiscal code, NotFoundError when there is
    no such message.
    """
    errors = []
    if not _MESSAGE_ID_RE.fullmatch(message_id):
        detail = "a message id is a ULID: 26 characters, digits and capital letters"
        errors.append(FieldError("invalid_message_id", detail, "/message_id"))
    if fiscal_code is not None:
        errors += fiscal_code_errors(fiscal_code)
    if errors:
        raise ValidationError(errors)
    message = (
        messages.find(message_id) if fiscal_code is None else messages.get(fiscal_code, message_id)
    )
    if message is None:
        raise NotFoundError(f"no message with id {message_id}")
    return MessageHistory.of(message)
