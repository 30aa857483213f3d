"""A service lists the messages it sent (`GET /api/v1/messages`), from its own index."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.message_list_query import MessageListRequest, continuation_token
from shared.domain.service import Service
from shared.domain.service_messages import ServiceMessageEntry
from shared.services.ports import ServiceMessageIndex


@dataclass(frozen=True)
class MessagePage:
    entries: list[ServiceMessageEntry]
    # Asks for the next page; None on the last one.
    next_token: str | None


def list_messages(
    caller: Service, request: MessageListRequest, *, index: ServiceMessageIndex
) -> MessagePage:
    """A page of the messages `caller` sent, newest first, as `request` filters them.

    Only `caller`'s partition of the index is read, so another service's messages never
    appear. One entry more than the page is asked for, to know whether a next page exists
    (no empty last page). Raises StorageUnavailableError.
    """
    if request.filter.service_id != caller.id:
        raise ValueError("a service lists only its own messages")
    found = index.page(request.filter, request.page_size + 1)
    entries = found[: request.page_size]
    more = len(found) > request.page_size
    return MessagePage(entries, continuation_token(entries[-1].id) if more else None)
