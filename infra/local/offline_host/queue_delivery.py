"""One delivery of a queue message to a function, decoded, with the metadata the host passes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from azure.functions.queue import QueueMessage


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

    def as_queue_message(self) -> QueueMessage:
        """The ``func.QueueMessage`` a parameter annotated that way receives."""
        # azure-functions leaves this constructor unannotated.
        return QueueMessage(  # type: ignore[no-untyped-call]
            id=self.id,
            body=self.body,
            dequeue_count=self.dequeue_count,
            expiration_time=self.expiration_time,
            insertion_time=self.insertion_time,
            time_next_visible=self.time_next_visible,
            pop_receipt=self.pop_receipt,
        )
