"""What a Premium sender may know of its ADVANCED messages beyond their processing status:
sent, received, read (if the citizen shares it) and paid, as IO's Premium contract offers.
Basic senders and STANDARD messages get the processing status only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.domain.message import FeatureLevel, Message
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
    """Premium status of one message; `payment_status` only for a payment notice."""

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
    message: Message, *, shares_read_status: bool, paid_at: datetime | None
) -> Tracking:
    """The Premium status of `message`, hiding reading when the citizen does not share it."""
    if shares_read_status:
        read_status = ReadStatus.READ if message.is_read else ReadStatus.UNREAD
    else:
        read_status = ReadStatus.UNAVAILABLE
    payment_status = None
    if message.has_payment:
        payment_status = PaymentStatus.PAID if paid_at is not None else PaymentStatus.NOT_PAID
    return Tracking(
        read_status=read_status,
        payment_status=payment_status,
        processed_at=message.processed_at,
        received_at=message.received_at,
        read_at=message.read_at if shares_read_status else None,
        paid_at=paid_at if message.has_payment else None,
    )
