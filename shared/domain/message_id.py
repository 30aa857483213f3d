"""The one generator of message ids: ULIDs, sortable by creation time."""

from __future__ import annotations

import re
from datetime import datetime

from ulid import ULID

from shared.domain.errors import FieldError, ValidationError

# A ULID as new_message_id writes it: 26 characters of Crockford's base32.
_MESSAGE_ID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")


def new_message_id(now: datetime) -> str:
    return str(ULID.from_datetime(now))


def looks_like_message_id(value: str) -> bool:
    """Whether `value` has the form of the ids Postino gives messages."""
    return _MESSAGE_ID.fullmatch(value) is not None


def require_valid_message_id(value: str, pointer: str = "/id") -> None:
    """Raises ValidationError unless `value` has the form of a message id: nothing else
    (a `.`, a `..`, a path) ever reaches the store as an id."""
    if not looks_like_message_id(value):
        raise ValidationError(
            [FieldError("invalid_message_id", "not a message id (26 characters, a ULID)", pointer)]
        )
