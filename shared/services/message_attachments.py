"""A message's attachments in Blob storage: stored at acceptance, deleted when the message
ends REJECTED or FAILED (nobody will ever read them)."""

from __future__ import annotations

import logging

from shared.domain.attachments import (
    PDF_CONTENT_TYPE,
    AttachmentInput,
    StoredAttachment,
    attachment_blob_name,
    sanitize_name,
)
from shared.domain.errors import PostinoError
from shared.services.ports import AttachmentStore

logger = logging.getLogger(__name__)


def store_attachments(
    message_id: str,
    given: tuple[AttachmentInput, ...],
    *,
    attachments: AttachmentStore,
    discard_on_failure: bool = True,
) -> tuple[StoredAttachment, ...]:
    """Store each attachment's bytes under the message's id and describe what was stored.

    The names depend on the message id only: a retried acceptance of the same message (the
    same Idempotency-Key) writes over the same blobs instead of leaving orphans.
    Raises StorageUnavailableError, after removing what it had stored when
    `discard_on_failure` (never when another attempt may be storing the same blobs).
    """
    stored: list[StoredAttachment] = []
    try:
        for index, attachment in enumerate(given):
            blob_name = attachment_blob_name(message_id, index)
            measured = attachments.put(blob_name, attachment.content)
            stored.append(
                StoredAttachment(
                    id=str(index),
                    # The rules refused unusable names; the fallback is never reached.
                    name=sanitize_name(attachment.name) or f"attachment-{index}.pdf",
                    content_type=PDF_CONTENT_TYPE,
                    size=measured.size,
                    sha256=measured.sha256,
                    blob_name=blob_name,
                )
            )
    except PostinoError:
        if discard_on_failure:
            discard_attachments(message_id, attachments=attachments)
        raise
    return tuple(stored)


def discard_attachments(message_id: str, *, attachments: AttachmentStore) -> bool:
    """Delete the message's attachments; False (and a warning) when storage refused.

    What is left is only storage: the message no longer points at it.
    """
    try:
        removed = attachments.delete_for(message_id)
    except PostinoError:
        logger.warning("message %s: its attachments could not be deleted", message_id)
        return False
    if removed:
        logger.info("message %s: %d attachment(s) deleted", message_id, removed)
    return True
