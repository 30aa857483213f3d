"""Keeping each service's index of its messages in step with the messages themselves.

The message document is the record; its index entry is written after it (an upsert, so
writing it again is harmless). Two kinds of writers:

- `index_or_raise`, on ProcessMessage's decision path: a failed write raises, the queue
  delivers the reference again, and the redelivery, finding the message decided, writes the
  entry again (shared.services.process_message). So the status a decision sets reaches the
  index, however many writes are lost, as long as the queue has attempts left.
- `index_if_possible`, everywhere else (acceptance, the FAILED mark, redrive, read marks):
  the index is a convenience there and must never fail the write it follows. A lost write is
  logged (message id only) and repaired by the message's next indexed change.

docs/reliability.md, "Each service's index of its messages", says what can stay behind
and how it converges.
"""

from __future__ import annotations

import logging

from shared.domain.errors import StorageUnavailableError
from shared.domain.message import Message
from shared.domain.service_messages import entry_of
from shared.services.ports import ServiceMessageIndex

logger = logging.getLogger(__name__)


def index_or_raise(message: Message, index: ServiceMessageIndex | None) -> None:
    """Write `message`'s entry. Raises StorageUnavailableError when it could not be."""
    if index is not None:
        index.put(entry_of(message))


def index_if_possible(message: Message, index: ServiceMessageIndex | None) -> bool:
    """Write `message`'s entry; False (logged) when it could not be, never raising."""
    if index is None:
        return True
    try:
        index.put(entry_of(message))
    except StorageUnavailableError as failure:
        logger.warning(
            "message %s: its index entry was not written (%s); a later change rewrites it",
            message.id,
            type(failure).__name__,
        )
        return False
    return True
