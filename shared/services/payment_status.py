"""Whether a message's payment notice is paid, computed when the message is read, and only
for a sender the payments of that notice are the business of."""

from __future__ import annotations

from shared.domain.message import Message
from shared.domain.payment import NoticeStatus
from shared.domain.service import Service
from shared.services.ports import PaymentRepository


def notice_status_of(
    message: Message, *, sender: Service, payments: PaymentRepository
) -> NoticeStatus | None:
    """Whether (and when) the message's payment notice was paid, as `sender` may know it.

    None when the message carries no notice, or when its payee is neither the sender's
    organization nor one the operator delegated to it: any service may name any payee, and
    whether another organization's notice was paid is not its to know (nothing is read).
    Raises StorageUnavailableError.
    """
    payment_data = message.content.payment_data
    # CreateMessage fills in the payee (the sender's organization) when the sender leaves it
    # out, so a stored message with a notice always names its payee.
    if payment_data is None or payment_data.payee is None:
        return None
    payee = payment_data.payee.fiscal_code
    if not sender.may_know_payments_to(payee):
        return None
    return NoticeStatus.of(payments.get(payee, payment_data.notice_number))
