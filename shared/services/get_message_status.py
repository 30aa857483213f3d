"""Tell a service the status of a message it sent (and, for Premium, what became of it)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.errors import NotFoundError
from shared.domain.fiscal_code import require_valid_fiscal_code
from shared.domain.message import Message
from shared.domain.message_tracking import Tracking, is_tracked, tracking_of
from shared.domain.service import Service
from shared.services.payment_status import notice_status_of
from shared.services.ports import MessageRepository, PaymentRepository, ProfileRepository


@dataclass(frozen=True)
class MessageStatusReport:
    message: Message
    # Premium senders' ADVANCED messages only.
    tracking: Tracking | None


def get_message_status(
    caller: Service,
    fiscal_code: str,
    message_id: str,
    *,
    messages: MessageRepository,
    profiles: ProfileRepository,
    payments: PaymentRepository,
    test_key: bool = False,
) -> MessageStatusReport:
    """The message `message_id` sent to `fiscal_code`, if `caller` sent it (with
    `test_key`, a TEST key, if it is a test message: a test key reads no citizen's message),
    with its read and payment status when `caller` is Premium and the message ADVANCED: reading (and
    receiving) only if the citizen shares it, payment only for a payee that is `caller`'s
    organization or delegated to it.

    Raises ValidationError for a malformed fiscal code, NotFoundError when the message
    does not exist or another service sent it (so its existence does not leak), and
    StorageUnavailableError.
    """
    require_valid_fiscal_code(fiscal_code)
    message = messages.get(fiscal_code, message_id)
    if message is None or message.sender_service_id != caller.id:
        raise NotFoundError("no such message")
    if test_key and not message.test:
        raise NotFoundError("no such message")
    if not is_tracked(message, caller):
        return MessageStatusReport(message, None)
    profile = profiles.get(fiscal_code)
    tracking = tracking_of(
        message,
        # A citizen who left the app shares nothing any more.
        shares_read_status=profile is not None and profile.share_read_status,
        notice=notice_status_of(message, sender=caller, payments=payments),
    )
    return MessageStatusReport(message, tracking)
