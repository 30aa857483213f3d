"""One message of a citizen's inbox, opened by the citizen app's back end: its content,
links to download its attachments, and marking it read.

An attachment that malware scanning (Defender for Storage, after the file was stored) found
malicious gets no link, ever, and is reported unavailable (MALWARE); so does, for this
opening, one whose scan result cannot be read (NOT_CHECKED). One not scanned (yet, or where
no scanning runs) gets its link: the content policy checked it at acceptance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shared.domain.attachments import MalwareScan, StoredAttachment
from shared.domain.errors import NotFoundError, StorageUnavailableError
from shared.domain.fiscal_code import require_valid_fiscal_code
from shared.domain.message import Message, MessageStatus
from shared.domain.message_id import looks_like_message_id
from shared.domain.service import Service
from shared.services.announce_events import announce_new_events
from shared.services.citizen_marks import store_mark
from shared.services.message_events import EventOutbox, marking_with_events
from shared.services.ports import (
    AttachmentStore,
    Clock,
    MessageRepository,
    ProfileRepository,
    ServiceMessageIndex,
)
from shared.services.service_directory import CachedServiceDirectory
from shared.services.service_message_index import index_if_possible

logger = logging.getLogger(__name__)


class Unavailable(StrEnum):
    """Why an attachment is given without a link."""

    # Malware scanning found it malicious: it is never served.
    MALWARE = "MALWARE"
    # Its scan result could not be read just now: open the message again later.
    NOT_CHECKED = "NOT_CHECKED"


@dataclass(frozen=True)
class AttachmentLink:
    """An attachment and a read-only link to its bytes, good until `expires_at`; or, when
    it may not be downloaded, no link and the reason (`unavailable`)."""

    attachment: StoredAttachment
    url: str | None
    expires_at: datetime | None
    unavailable: Unavailable | None = None

    @property
    def available(self) -> bool:
        return self.unavailable is None


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
    scans = _scan_results(message, attachments) if message.attachments else {}
    links: list[AttachmentLink] = []
    for attachment in message.attachments:
        scan = None if scans is None else scans.get(attachment.blob_name, MalwareScan.NOT_SCANNED)
        if scan is MalwareScan.MALICIOUS:
            logger.warning("message %s: attachment %s is malicious", message.id, attachment.id)
            links.append(AttachmentLink(attachment, None, None, Unavailable.MALWARE))
        elif scan is None:
            links.append(AttachmentLink(attachment, None, None, Unavailable.NOT_CHECKED))
        else:
            url = attachments.download_url(
                attachment.blob_name, expires_at=expires_at, file_name=attachment.name
            )
            links.append(AttachmentLink(attachment, url, expires_at))
    return OpenedMessage(message, directory.service(message.sender_service_id), tuple(links))


def _scan_results(message: Message, attachments: AttachmentStore) -> dict[str, MalwareScan] | None:
    """What malware scanning says of the message's attachments; None when that could not
    be read (then no link is given: a file may be malicious, and storage is likely down)."""
    try:
        return attachments.scan_results_for(message.id)
    except StorageUnavailableError:
        logger.warning("message %s: the attachments' scan results could not be read", message.id)
        return None


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
    profiles: ProfileRepository | None = None,
    outbox: EventOutbox | None = None,
    index: ServiceMessageIndex | None = None,
) -> OpenedMessage:
    """The citizen's message `message_id`, with links to its attachments that expire after
    `link_lifetime` (none to an attachment found malicious, or whose scan result cannot
    be read). Opening a message the app had never fetched makes it received; with
    `read`, it is also marked read: the first time counts, and reading cannot be undone.

    Raises ValidationError for a malformed fiscal code, NotFoundError when the message is
    not in this citizen's inbox (absent, or not PROCESSED), and StorageUnavailableError.
    With `outbox` (and `profiles`), the callbacks a mark causes are stored with it and
    announced.
    """
    message = _inbox_message(fiscal_code, message_id, messages)
    now = clock.now()
    if read:
        mark = marking_with_events(lambda m: m.read(now), outbox=outbox, profiles=profiles, now=now)
        news = "read" if message.read_at is None else None
    else:
        mark = marking_with_events(
            lambda m: m.received(now), outbox=outbox, profiles=profiles, now=now
        )
        news = "received" if message.received_at is None else None
    stored = store_mark(message, mark, messages=messages)
    if news is not None:
        logger.info("message %s %s", message.id, news)
        if outbox is not None:
            announce_new_events(message, stored, queue=outbox.queue, now=now)
        if read:  # the sender's read count (operators' `message stats`)
            index_if_possible(stored, index)
    return _opened(
        stored, directory=directory, attachments=attachments, now=now, link_lifetime=link_lifetime
    )
