"""References the host gave up on: what an operator sees of the poison queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.message_ref import MessageRef


@dataclass(frozen=True)
class PoisonedMessage:
    """A queue message in the poison queue; `ref` is None when it is not a reference."""

    queue_message_id: str
    ref: MessageRef | None
    inserted_at: datetime | None
    receipt: str | None = None  # set when taken for redrive: needed to delete it
