"""Messages: what an institution sends, and the record Postino keeps of it.

Field names and limits follow IO's public API for services (v1 messages), so that an
IO client works unchanged; unknown fields are ignored, as IO does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
)

from shared.domain.attachments import AttachmentInput, StoredAttachment
from shared.domain.compat import UTC, StrEnum, fromisoformat
from shared.domain.events import PendingEvent
from shared.domain.ignored_fields import ignored_field_names

MIN_TIME_TO_LIVE = 3600
MAX_TIME_TO_LIVE = 604800
NOTICE_NUMBER_PATTERN = r"^[0123][0-9]{17}$"
ORGANIZATION_FISCAL_CODE_PATTERN = r"^[0-9]{11}$"
# The institution's own reference for a message (Postino's, not IO's): its characters and
# personal data are checked in shared.domain.message_rules.
MIN_REFERENCE_LENGTH = 1
MAX_REFERENCE_LENGTH = 64


class MessageStatus(StrEnum):
    ACCEPTED = "ACCEPTED"
    PROCESSED = "PROCESSED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"

    @property
    def is_terminal(self) -> bool:
        return self is not MessageStatus.ACCEPTED


class RejectionReason(StrEnum):
    USER_NOT_FOUND = "USER_NOT_FOUND"
    SERVICE_NOT_ALLOWED = "SERVICE_NOT_ALLOWED"


class FailureReason(StrEnum):
    """Why a message ended FAILED: retries ran out, or it was re-sent too many times."""

    RETRIES_EXHAUSTED = "RETRIES_EXHAUSTED"
    REDELIVERY_LIMIT = "REDELIVERY_LIMIT"


class FeatureLevel(StrEnum):
    STANDARD = "STANDARD"
    ADVANCED = "ADVANCED"


# RFC 3339 date-time; the offset may be left out (read as UTC). pydantic alone would also
# take Unix timestamps and dates without a time, which IO's contract does not allow.
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})?$"
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)


def _as_utc(value: datetime, info: ValidationInfo) -> datetime:
    # IO clients send RFC 3339 timestamps; a timestamp without an offset is read as UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00:00+01:00 is a valid RFC 3339 timestamp of no year Python has.
        raise ValueError(
            f"{info.field_name} is out of range: in UTC it is before year 1 or after 9999"
        ) from None


def _rfc3339(value: object, info: ValidationInfo) -> object:
    if not isinstance(value, str):
        return value  # a datetime built in code passes; anything else fails the type check
    if _TIMESTAMP.fullmatch(value):
        try:
            return fromisoformat(value)  # 3.11's, also on 3.10 (shared.domain.compat)
        except ValueError:
            pass  # e.g. month 13: the shape is right, the date is not
    raise ValueError(f"{info.field_name} must be an RFC 3339 timestamp, e.g. 2026-12-31T23:59:59Z")


# A field holding an RFC 3339 timestamp (TIMESTAMP_PATTERN), in UTC once validated.
Timestamp = Annotated[datetime, BeforeValidator(_rfc3339), AfterValidator(_as_utc)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class Payee(_Input):
    fiscal_code: Annotated[str, Field(pattern=ORGANIZATION_FISCAL_CODE_PATTERN)]


class PaymentData(_Input):
    amount: Annotated[int, Field(ge=1, le=9999999999)]
    notice_number: Annotated[str, Field(pattern=NOTICE_NUMBER_PATTERN)]
    invalid_after_due_date: bool = False
    payee: Payee | None = None


class MessageContent(_Input):
    subject: Annotated[str, Field(min_length=10, max_length=120)]
    markdown: Annotated[str, Field(min_length=80, max_length=10000)]
    due_date: Timestamp | None = None
    payment_data: PaymentData | None = None


class NewMessageContent(MessageContent):
    """The content as sent: what is stored, plus attachments (Premium) still in base64."""

    attachments: tuple[AttachmentInput, ...] = ()

    def stored(self) -> MessageContent:
        """The content without the attachments' bytes, as the message record keeps it."""
        return MessageContent.model_validate(self.model_dump(exclude={"attachments"}), strict=False)


class NewMessage(_Input):
    """The body of `POST /api/v1/messages[/{fiscal_code}]`."""

    time_to_live: Annotated[int, Field(ge=MIN_TIME_TO_LIVE, le=MAX_TIME_TO_LIVE)] = MIN_TIME_TO_LIVE
    content: NewMessageContent
    fiscal_code: str | None = None
    feature_level_type: FeatureLevel = FeatureLevel.STANDARD
    reference: (
        Annotated[str, Field(min_length=MIN_REFERENCE_LENGTH, max_length=MAX_REFERENCE_LENGTH)]
        | None
    ) = None
    # The top-level fields the body carried that are none of the above (IO's
    # default_addresses, require_secure_channels, third_party_data, or a misspelling):
    # accepted and ignored, named back to the sender. Not part of the message. (Not found
    # by a model validator: one sees the JSON as Python, where strict mode refuses arrays
    # for tuples.)
    _ignored_fields: tuple[str, ...] = PrivateAttr(default=())

    @property
    def ignored_fields(self) -> tuple[str, ...]:
        """The body's top-level fields Postino ignored, those it can name."""
        return self._ignored_fields

    def ignoring(self, fields: Iterable[str]) -> NewMessage:
        """This message, told the body's top-level `fields`: it keeps the names of those it
        ignored (shared.domain.ignored_fields)."""
        message = self.model_copy()
        message._ignored_fields = ignored_field_names(fields, type(self).model_fields)
        return message


class StatusChange(BaseModel):
    """One step of a message's life, kept so an operator can see how it got where it is."""

    model_config = ConfigDict(frozen=True)

    status: MessageStatus
    at: datetime
    reason: str | None = None


class Message(BaseModel):
    """A message as Postino stores it, in the recipient's partition (its inbox entry).

    `version` is the store's concurrency token (the Cosmos etag): status changes are
    conditional on it, so a redelivered queue message cannot change a status twice.
    `retention_seconds`, when set, lets the store expire the message after that long.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    fiscal_code: str
    sender_service_id: str
    created_at: datetime
    time_to_live: int
    content: MessageContent
    feature_level_type: FeatureLevel
    status: MessageStatus
    status_changed_at: datetime
    status_history: tuple[StatusChange, ...] = ()
    rejection_reason: RejectionReason | None = None
    failure_reason: FailureReason | None = None
    processed_at: datetime | None = None
    # Premium: PDFs stored in Blob storage at acceptance (metadata only; never the bytes).
    attachments: tuple[StoredAttachment, ...] = ()
    # The citizen's app fetched the message (first listed or opened), then opened it as read.
    received_at: datetime | None = None
    read_at: datetime | None = None
    # How many times the reference was sent again (sweeper, redrive) after the first.
    redeliveries: int = 0
    retention_seconds: int | None = None
    # The payment (its paid_at) the sender was last told of with `message.paid`.
    paid_notified_at: datetime | None = None
    # Events its changes caused, not delivered yet (shared.domain.events).
    outbox: tuple[PendingEvent, ...] = ()
    # Sent with a TEST key, to a sandbox fiscal code (shared.domain.sandbox): it never
    # reaches a citizen, pushes nothing, is never reminded and counts nowhere.
    test: bool = False
    # The sender's own reference (NewMessage.reference), echoed in status answers and callbacks.
    reference: str | None = None
    # Pushes sent of it, for operators' counts: when the new-message push was delivered, and
    # the reminder slots (shared.domain.reminders) a push was sent for. Sets, not counters, so
    # that a write repeated after a lost reply counts nothing twice.
    pushed_at: datetime | None = None
    reminded: tuple[str, ...] = ()
    version: str | None = Field(default=None, exclude=True)

    @classmethod
    def accepted(
        cls,
        *,
        id: str,
        fiscal_code: str,
        sender_service_id: str,
        now: datetime,
        time_to_live: int,
        content: MessageContent,
        feature_level_type: FeatureLevel,
        attachments: tuple[StoredAttachment, ...] = (),
        reference: str | None = None,
        test: bool = False,
        retention_seconds: int | None = None,
    ) -> Message:
        """A new message, just accepted from its sender (`test`: with a TEST key)."""
        return cls(
            test=test,
            retention_seconds=retention_seconds,
            attachments=attachments,
            reference=reference,
            id=id,
            fiscal_code=fiscal_code,
            sender_service_id=sender_service_id,
            created_at=now,
            time_to_live=time_to_live,
            content=content,
            feature_level_type=feature_level_type,
            status=MessageStatus.ACCEPTED,
            status_changed_at=now,
            status_history=(StatusChange(status=MessageStatus.ACCEPTED, at=now),),
        )

    def _moved_to(
        self, status: MessageStatus, now: datetime, reason: str | None, **fields: object
    ) -> Message:
        change = StatusChange(status=status, at=now, reason=reason)
        return self.model_copy(
            update={
                "status": status,
                "status_changed_at": now,
                "status_history": (*self.status_history, change),
                **fields,
            }
        )

    @property
    def outbox_due_at(self) -> datetime | None:
        """When the relay should next look at this message's outbox (None: empty)."""
        return min((event.due_at for event in self.outbox), default=None)

    def pending(self, event_id: str) -> PendingEvent | None:
        return next((event for event in self.outbox if event.id == event_id), None)

    def with_events(self, *events: PendingEvent) -> Message:
        """This message with `events` added to its outbox (to be stored with its change)."""
        if not events:
            return self
        return self.model_copy(update={"outbox": (*self.outbox, *events)})

    def with_event(self, event: PendingEvent) -> Message:
        """This message with its pending event of the same id replaced by `event`."""
        outbox = tuple(event if pending.id == event.id else pending for pending in self.outbox)
        return self.model_copy(update={"outbox": outbox})

    def without_event(self, event_id: str) -> Message:
        """This message with the event `event_id` gone from its outbox (delivered)."""
        outbox = tuple(pending for pending in self.outbox if pending.id != event_id)
        return self.model_copy(update={"outbox": outbox})

    def with_reminder_sent(self, slot_key: str) -> Message:
        """This message with a reminder push counted for `slot_key` (once, however often)."""
        if slot_key in self.reminded:
            return self
        return self.model_copy(update={"reminded": (*self.reminded, slot_key)})

    @property
    def pushes_sent(self) -> int:
        """How many pushes were sent of it: its new-message push and its reminders."""
        return (self.pushed_at is not None) + len(self.reminded)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def has_payment(self) -> bool:
        return self.content.payment_data is not None

    def received(self, now: datetime) -> Message:
        """This message fetched by the citizen's app; the first time counts."""
        if self.received_at is not None:
            return self
        return self.model_copy(update={"received_at": now})

    def read(self, now: datetime) -> Message:
        """This message opened as read by the citizen; one-way, the first time counts."""
        if self.read_at is not None:
            return self
        return self.received(now).model_copy(update={"read_at": now})

    def processed(self, now: datetime) -> Message:
        """This message delivered to the recipient's inbox at `now`."""
        return self._moved_to(MessageStatus.PROCESSED, now, None, processed_at=now)

    def rejected(
        self, reason: RejectionReason, now: datetime, *, retention_seconds: int | None = None
    ) -> Message:
        """This message refused for `reason` at `now`, to expire after `retention_seconds`."""
        return self._moved_to(
            MessageStatus.REJECTED,
            now,
            reason,
            rejection_reason=reason,
            retention_seconds=retention_seconds,
        )

    def failed(self, reason: FailureReason, now: datetime) -> Message:
        """This message given up on at `now`; an operator may redrive it."""
        return self._moved_to(MessageStatus.FAILED, now, reason, failure_reason=reason)

    def redriven(self, now: datetime) -> Message:
        """This message back to ACCEPTED at `now`, its reference about to be sent again."""
        return self._moved_to(
            MessageStatus.ACCEPTED,
            now,
            "REDRIVEN",
            failure_reason=None,
            redeliveries=self.redeliveries + 1,
        )

    def resent(self, now: datetime) -> Message:
        """This message still ACCEPTED, its reference sent again at `now` (by the sweeper)."""
        return self._moved_to(
            MessageStatus.ACCEPTED, now, "RESENT", redeliveries=self.redeliveries + 1
        )
