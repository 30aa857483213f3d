"""A citizen's inbox, as the citizen app's back end lists it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.domain.fiscal_code import require_valid_fiscal_code
from shared.domain.inbox_paging import PageRequest, continuation_token
from shared.domain.message import Message
from shared.domain.service import Service
from shared.services.announce_events import announce_new_events
from shared.services.citizen_marks import store_mark
from shared.services.message_events import EventOutbox, marking_with_events
from shared.services.ports import Clock, MessageRepository, ProfileRepository
from shared.services.service_directory import CachedServiceDirectory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxItem:
    """A message of the inbox and its sender (None when the service no longer exists)."""

    message: Message
    sender: Service | None


@dataclass(frozen=True)
class InboxPage:
    """One page, newest first; `continuation_token` asks for the next, None on the last."""

    items: tuple[InboxItem, ...]
    continuation_token: str | None


def citizen_inbox(
    fiscal_code: str,
    page: PageRequest,
    *,
    messages: MessageRepository,
    directory: CachedServiceDirectory,
    clock: Clock,
    profiles: ProfileRepository | None = None,
    outbox: EventOutbox | None = None,
) -> InboxPage:
    """The page `page` of the citizen's PROCESSED messages, newest first. Listing a message
    the app had never fetched makes it received.

    Raises ValidationError for a malformed fiscal code, and StorageUnavailableError.
    """
    require_valid_fiscal_code(fiscal_code)
    # One more than asked tells whether a next page exists, so the last page has no token.
    found = messages.inbox(fiscal_code, before_id=page.before_id, limit=page.size + 1)
    listed = found[: page.size]
    now = clock.now()
    newly_received = sum(1 for message in listed if message.received_at is None)
    mark = marking_with_events(lambda m: m.received(now), outbox=outbox, profiles=profiles, now=now)
    items = []
    for message in listed:
        stored = store_mark(message, mark, messages=messages)
        if outbox is not None and stored is not message:
            announce_new_events(message, stored, queue=outbox.queue, now=now)
        items.append(InboxItem(stored, directory.service(message.sender_service_id)))
    logger.info("inbox page of %d messages, %d newly received", len(items), newly_received)
    token = continuation_token(listed[-1].id) if len(found) > page.size else None
    return InboxPage(tuple(items), token)
