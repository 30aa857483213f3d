"""What a Premium sender may know of its ADVANCED messages beyond their processing status:
sent, received and read (if the citizen shares reading) and paid (if the notice's payee is
the sender's organization or delegated to it), as IO's Premium contract offers. Basic
senders and STANDARD messages get the processing status only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.compat import StrEnum
from shared.domain.message import FeatureLevel, Message
from shared.domain.payment import NoticeStatus
from shared.domain.service import Service, Tier


class ReadStatus(StrEnum):
    READ = "READ"
    UNREAD = "UNREAD"
    # The citizen chose not to let senders see what they read.
    UNAVAILABLE = "UNAVAILABLE"


class PaymentStatus(StrEnum):
    PAID = "PAID"
    NOT_PAID = "NOT_PAID"


@dataclass(frozen=True)
class Tracking:
    """Premium status of one message; `payment_status` only for a payment notice whose
    payments the sender may know of."""

    read_status: ReadStatus
    payment_status: PaymentStatus | None
    processed_at: datetime | None
    received_at: datetime | None
    read_at: datetime | None
    paid_at: datetime | None


def is_tracked(message: Message, sender: Service) -> bool:
    """Whether the sender may see the message's Premium status."""
    return sender.tier is Tier.PREMIUM and message.feature_level_type is FeatureLevel.ADVANCED


def tracking_of(
    message: Message, *, shares_read_status: bool, notice: NoticeStatus | None
) -> Tracking:
    """The Premium status of `message`.

    A citizen who does not share reading hides every trace of it: whether and when the
    message was read, and when their app first fetched it (`received_at` tells when they
    open the app, their reading habits). `notice` is what the sender may know of the
    message's payment notice; None (no notice, or the payee's payments are not the
    sender's business) reports no payment status at all.
    """
    if shares_read_status:
        read_status = ReadStatus.READ if message.is_read else ReadStatus.UNREAD
    else:
        read_status = ReadStatus.UNAVAILABLE
    payment_status = None
    if notice is not None:
        payment_status = PaymentStatus.PAID if notice.is_paid else PaymentStatus.NOT_PAID
    return Tracking(
        read_status=read_status,
        payment_status=payment_status,
        processed_at=message.processed_at,
        received_at=message.received_at if shares_read_status else None,
        read_at=message.read_at if shares_read_status else None,
        paid_at=None if notice is None else notice.paid_at,
    )
