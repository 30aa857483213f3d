"""Tell a service the status of a message it sent, knowing only the message's id: for a
caller that keeps fiscal codes out of URLs (`GET /api/v1/messages/{id}`)."""

from __future__ import annotations

from shared.domain.errors import NotFoundError
from shared.domain.service import Service
from shared.services.get_message_status import MessageStatusReport, get_message_status
from shared.services.ports import MessageRepository, PaymentRepository, ProfileRepository


def get_message_status_by_id(
    caller: Service,
    message_id: str,
    *,
    messages: MessageRepository,
    profiles: ProfileRepository,
    payments: PaymentRepository,
    test_key: bool = False,
) -> MessageStatusReport:
    """As get_message_status, the message found by its id among all recipients'.

    The look-up is a query across partitions (docs/scaling.md says what it costs), so the
    path route, a point read, stays the cheaper way for callers who may put the code in a
    URL. Raises NotFoundError when no message has this id or another service sent it, and
    StorageUnavailableError.
    """
    found = messages.find(message_id)
    if found is None or found.sender_service_id != caller.id:
        raise NotFoundError("no such message")
    return get_message_status(
        caller,
        found.fiscal_code,
        message_id,
        messages=messages,
        profiles=profiles,
        payments=payments,
        test_key=test_key,
    )
