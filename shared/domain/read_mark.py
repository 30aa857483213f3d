"""What the citizen's app may change on a message: mark it read, once and for good."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from shared.domain.errors import FieldError, ValidationError
from shared.domain.validation import parse_json_model


class MessageChange(BaseModel):
    """The body of `PATCH /api/v1/citizens/{fiscal_code}/messages/{id}`."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    is_read: bool


def parse_read_mark(raw: bytes) -> None:
    """Check that the body marks the message read: `{"is_read": true}`.

    Raises ValidationError pointing at /is_read when it is missing, not a boolean, or
    false (reading cannot be undone).
    """
    change = parse_json_model(MessageChange, raw)
    if not change.is_read:
        raise ValidationError(
            [
                FieldError(
                    "irreversible",
                    "reading cannot be undone: a message once read stays read",
                    "/is_read",
                )
            ]
        )
