"""Store what the citizen's app learnt about a message (received, read) without ever
failing the citizen's request because someone else wrote the message at the same time."""

from __future__ import annotations

import logging
from collections.abc import Callable

from shared.domain.errors import ConcurrentUpdateError
from shared.domain.message import Message
from shared.services.ports import MessageRepository

logger = logging.getLogger(__name__)

# Each lost race means another writer (the reminder timer, the app's other request)
# changed the message in between; a few re-reads settle any real contention.
MAX_ATTEMPTS = 3


def store_mark(
    message: Message, mark: Callable[[Message], Message], *, messages: MessageRepository
) -> Message:
    """`message` with `mark` applied (e.g. `lambda m: m.received(now)`), stored with a
    conditional write; after a lost race, re-read and apply it again.

    Returns the message as stored; when the races never stop, or it is gone, the marked
    copy unstored (the next fetch marks it again). Raises StorageUnavailableError.
    """
    current = message
    for _ in range(MAX_ATTEMPTS):
        marked = mark(current)
        if marked is current:  # the mark was there already: nothing to write
            return current
        try:
            return messages.replace(marked)
        except ConcurrentUpdateError:
            reread = messages.get(current.fiscal_code, current.id)
            if reread is None:
                return marked
            current = reread
    logger.warning("message %s: gave up storing a mark after %d races", message.id, MAX_ATTEMPTS)
    return mark(current)
