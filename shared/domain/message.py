"""Messages: what an institution sends, and the record Postino keeps of it.

Field names and limits follow IO's public API for services (v1 messages), so that an
IO client works unchanged; unknown fields are ignored, as IO does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

MIN_TIME_TO_LIVE = 3600
MAX_TIME_TO_LIVE = 604800
NOTICE_NUMBER_PATTERN = r"^[0123][0-9]{17}$"
ORGANIZATION_FISCAL_CODE_PATTERN = r"^[0-9]{11}$"


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


class FeatureLevel(StrEnum):
    STANDARD = "STANDARD"
    ADVANCED = "ADVANCED"


# RFC 3339 date-time; the offset may be left out (read as UTC). pydantic alone would also
# take Unix timestamps and dates without a time, which IO's contract does not allow.
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})?$"
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)


def _as_utc(value: datetime) -> datetime:
    # IO clients send RFC 3339 timestamps; a timestamp without an offset is read as UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
    due_date: datetime | None = None
    payment_data: PaymentData | None = None

    @field_validator("due_date", mode="before")
    @classmethod
    def _due_date_is_rfc3339(cls, value: object) -> object:
        if not isinstance(value, str):
            return value  # null passes; anything else fails the type check
        if _TIMESTAMP.fullmatch(value):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass  # e.g. month 13: the shape is right, the date is not
        raise ValueError("due_date must be an RFC 3339 timestamp, e.g. 2026-12-31T23:59:59Z")

    @field_validator("due_date")
    @classmethod
    def _due_date_in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _as_utc(value)


class NewMessage(_Input):
    """The body of `POST /api/v1/messages[/{fiscal_code}]`."""

    time_to_live: Annotated[int, Field(ge=MIN_TIME_TO_LIVE, le=MAX_TIME_TO_LIVE)] = MIN_TIME_TO_LIVE
    content: MessageContent
    fiscal_code: str | None = None
    feature_level_type: FeatureLevel = FeatureLevel.STANDARD


class Message(BaseModel):
    """A message as Postino stores it, in the recipient's partition.

    `version` is the store's concurrency token (the Cosmos etag): status changes are
    conditional on it, so a redelivered queue message cannot change a status twice.
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
    rejection_reason: RejectionReason | None = None
    processed_at: datetime | None = None
    version: str | None = Field(default=None, exclude=True)

    def processed(self, now: datetime) -> Message:
        """This message delivered to the recipient's inbox at `now`."""
        return self.model_copy(
            update={
                "status": MessageStatus.PROCESSED,
                "status_changed_at": now,
                "processed_at": now,
            }
        )

    def rejected(self, reason: RejectionReason, now: datetime) -> Message:
        """This message refused for `reason` at `now`."""
        return self.model_copy(
            update={
                "status": MessageStatus.REJECTED,
                "status_changed_at": now,
                "rejection_reason": reason,
            }
        )
