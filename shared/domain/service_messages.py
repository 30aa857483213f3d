"""A service's own index of the messages it sent: one small entry per message, no fiscal code.

The message document (in its recipient's partition) is the record; the entry is a copy of
what a listing filters and shows, kept in the sender's partition so that listing a service's
messages reads one partition instead of every citizen's (docs/scaling.md, "Each service's
index of its messages").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.domain.message import Message, MessageStatus


@dataclass(frozen=True)
class ServiceMessageEntry:
    """What the index keeps of one message: nothing personal, nothing of its content."""

    id: str
    service_id: str
    created_at: datetime
    status: MessageStatus
    status_changed_at: datetime
    reference: str | None = None
    rejection_reason: str | None = None
    # The citizen opened it as read (counted for operators; never shown to the sender here,
    # where Basic services and STANDARD messages may not learn it).
    read: bool = False
    # Sent with a TEST key (Message.test): carried so listings and counts can tell them apart.
    test: bool = False
    # The message's own expiry (a REJECTED or test message's retention): the entry goes
    # with it, so that a listing never names a message that is no longer there.
    retention_seconds: int | None = None
    # Pushes sent of it (Message.pushes_sent), and its payment notice (the payee, an
    # organization, and the notice number) whose payment operators' counts look up.
    pushes: int = 0
    notice: tuple[str, str] | None = None


def entry_of(message: Message) -> ServiceMessageEntry:
    """The index entry of `message`, as it now stands."""
    return ServiceMessageEntry(
        id=message.id,
        service_id=message.sender_service_id,
        created_at=message.created_at,
        status=message.status,
        status_changed_at=message.status_changed_at,
        reference=message.reference,
        rejection_reason=(
            None if message.rejection_reason is None else message.rejection_reason.value
        ),
        read=message.is_read,
        test=message.test,
        retention_seconds=message.retention_seconds,
        pushes=message.pushes_sent,
        notice=_notice_of(message),
    )


def _notice_of(message: Message) -> tuple[str, str] | None:
    data = message.content.payment_data
    if data is None or data.payee is None or message.test:
        return None
    return data.payee.fiscal_code, data.notice_number


@dataclass(frozen=True)
class ServiceMessageFilter:
    """Which of a service's messages: all of them unless narrowed.

    `created_from` is included and `created_to` excluded; `before_id` keeps only ids below
    it (the keyset of the next page: ids are ULIDs, ordered by creation time).
    """

    service_id: str
    status: MessageStatus | None = None
    reference: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    before_id: str | None = None
    # Only test messages (a TEST key's listing), only live ones, or both (None: operators).
    test: bool | None = None

    def matches(self, entry: ServiceMessageEntry) -> bool:
        return (
            entry.service_id == self.service_id
            and (self.status is None or entry.status is self.status)
            and (self.reference is None or entry.reference == self.reference)
            and (self.created_from is None or entry.created_at >= self.created_from)
            and (self.created_to is None or entry.created_at < self.created_to)
            and (self.before_id is None or entry.id < self.before_id)
            and (self.test is None or entry.test is self.test)
        )


@dataclass(frozen=True)
class StatusCounts:
    """How many of a service's messages created in a period are in each status, how many
    of them the citizen read, how many pushes were sent of them and, when counted, how many
    of their notices are paid (None: not counted)."""

    by_status: dict[MessageStatus, int] = field(default_factory=dict)
    read: int = 0
    pushes: int = 0
    paid: int | None = None

    @property
    def sent(self) -> int:
        return sum(self.by_status.values())
