"""Tell a service the status of a message it sent."""

from __future__ import annotations

from shared.domain.errors import NotFoundError
from shared.domain.fiscal_code import require_valid_fiscal_code
from shared.domain.message import Message
from shared.domain.service import Service
from shared.services.ports import MessageRepository


def get_message_status(
    caller: Service, fiscal_code: str, message_id: str, *, messages: MessageRepository
) -> Message:
    """The message `message_id` sent to `fiscal_code`, if `caller` sent it.

    Raises ValidationError for a malformed fiscal code, and NotFoundError when the message
    does not exist or another service sent it (so its existence does not leak).
    """
    require_valid_fiscal_code(fiscal_code)
    message = messages.get(fiscal_code, message_id)
    if message is None or message.sender_service_id != caller.id:
        raise NotFoundError("no such message")
    return message
