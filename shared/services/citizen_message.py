"""One message of a citizen's inbox, opened by the citizen app's back end: its content,
links to download its attachments, and marking it read."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.attachments import StoredAttachment
from shared.domain.errors import NotFoundError
from shared.domain.fiscal_code import require_valid_fiscal_code
from shared.domain.inbox_paging import looks_like_message_id
from shared.domain.message import Message, MessageStatus
from shared.domain.service import Service
from shared.services.citizen_marks import store_mark
from shared.services.ports import AttachmentStore, Clock, MessageRepository
from shared.services.service_directory import CachedServiceDirectory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttachmentLink:
    """An attachment and a read-only link to its bytes, good until `expires_at`."""

    attachment: StoredAttachment
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class OpenedMessage:
    """A message as the citizen sees it; `sender` is None when the service is gone."""

    message: Message
    sender: Service | None
    links: tuple[AttachmentLink, ...]


def _inbox_message(fiscal_code: str, message_id: str, messages: MessageRepository) -> Message:
    require_valid_fiscal_code(fiscal_code)
    # An id Postino never gives cannot be stored: no need to ask the store.
    message = messages.get(fiscal_code, message_id) if looks_like_message_id(message_id) else None
    # Only PROCESSED messages are in the inbox; the others are the sender's business.
    if message is None or message.status is not MessageStatus.PROCESSED:
        raise NotFoundError("no such message in this citizen's inbox")
    return message


def _opened(
    message: Message,
    *,
    directory: CachedServiceDirectory,
    attachments: AttachmentStore,
    now: datetime,
    link_lifetime: timedelta,
) -> OpenedMessage:
    expires_at = now + link_lifetime
    links = tuple(
        AttachmentLink(
            attachment,
            attachments.download_url(attachment.blob_name, expires_at=expires_at),
            expires_at,
        )
        for attachment in message.attachments
    )
    return OpenedMessage(message, directory.service(message.sender_service_id), links)


def open_message(
    fiscal_code: str,
    message_id: str,
    *,
    read: bool = False,
    messages: MessageRepository,
    directory: CachedServiceDirectory,
    attachments: AttachmentStore,
    clock: Clock,
    link_lifetime: timedelta,
) -> OpenedMessage:
    """The citizen's message `message_id`, with links to its attachments that expire after
    `link_lifetime`. Opening a message the app had never fetched makes it received; with
    `read`, it is also marked read: the first time counts, and reading cannot be undone.

    Raises ValidationError for a malformed fiscal code, NotFoundError when the message is
    not in this citizen's inbox (absent, or not PROCESSED), and StorageUnavailableError.
    """
    message = _inbox_message(fiscal_code, message_id, messages)
    now = clock.now()
    if read:
        stored = store_mark(message, lambda m: m.read(now), messages=messages)
        news = "read" if message.read_at is None else None
    else:
        stored = store_mark(message, lambda m: m.received(now), messages=messages)
        news = "received" if message.received_at is None else None
    if news is not None:
        logger.info("message %s %s", message.id, news)
    return _opened(
        stored, directory=directory, attachments=attachments, now=now, link_lifetime=link_lifetime
    )
