"""One delivery of a queue message to a function, decoded, with the metadata the host passes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class QueueDelivery:
    """A received queue message after messageEncoding was applied to its text."""

    id: str
    body: bytes
    dequeue_count: int
    insertion_time: datetime | None = None
    expiration_time: datetime | None = None
    time_next_visible: datetime | None = None
    pop_receipt: str | None = None
