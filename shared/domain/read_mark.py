"""What the citizen's app may change on a message: mark it read, once and for good."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from shared.domain.errors import FieldError, ValidationError


class MessageChange(BaseModel):
    """The body of `PATCH /api/v1/citizens/{fiscal_code}/messages/{id}`."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    is_read: bool


def check_read_mark(change: MessageChange) -> None:
    """Check that the change marks the message read: `{"is_read": true}` (the model itself
    refuses a body where it is missing or not a boolean, pointing at /is_read).

    Raises ValidationError pointing at /is_read when it is false (reading cannot be undone).
    """
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
