"""The one generator of message ids: ULIDs, sortable by creation time."""

from __future__ import annotations

from datetime import datetime

from ulid import ULID


def new_message_id(now: datetime) -> str:
    return str(ULID.from_datetime(now))
