"""Whether a message's payment notice is paid, computed when the message is read."""

from __future__ import annotations

from datetime import datetime

from shared.domain.message import Message
from shared.services.ports import PaymentRepository


def paid_at_of(message: Message, *, payments: PaymentRepository) -> datetime | None:
    """When the message's payment notice was paid; None when it carries no notice or no
    payment of it is recorded.

    Raises StorageUnavailableError.
    """
    payment_data = message.content.payment_data
    # CreateMessage fills in the payee (the sender's organization) when the sender leaves it
    # out, so a stored message with a notice always names its payee.
    if payment_data is None or payment_data.payee is None:
        return None
    payment = payments.get(payment_data.payee.fiscal_code, payment_data.notice_number)
    return None if payment is None else payment.paid_at
