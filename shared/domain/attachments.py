"""PDF attachments of Premium messages: what an institution may attach, checked before any
byte is stored. The file is judged by what it is, not by what it claims to be.

Limits: at most 5 attachments a message, each at most 10 MiB decoded, 20 MiB in all.
Sizes are computed from the base64 text, so an oversize file is refused before decoding.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.errors import FieldError

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_TOTAL_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 100
PDF_CONTENT_TYPE = "application/pdf"
PDF_HEADER = b"%PDF-"
PDF_EOF = b"%%EOF"
_BASE64_TEXT = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_TRAILING = b" \t\r\n\x00"
# The PDF trailer sits in the file's last kilobyte; 2048 base64 characters decode to 1536 bytes.
_TAIL_CHARS = 2048


class AttachmentInput(BaseModel):
    """One attachment as an institution sends it (additive to IO's contract)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    name: str = Field(min_length=1, max_length=255)
    content_type: Literal["application/pdf"]
    content: str = Field(min_length=1)


@dataclass(frozen=True)
class StoredBytes:
    """What storing an attachment's bytes measured."""

    size: int
    sha256: str


class StoredAttachment(BaseModel):
    """An attachment as stored: its metadata; the bytes are in Blob storage at `blob_name`."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    content_type: str
    size: int
    sha256: str
    blob_name: str


def attachment_blob_name(message_id: str, index: int) -> str:
    """Where attachment `index` of a message is stored: named by the message id only, so a
    retried acceptance of the same message writes over the same blobs."""
    return f"{message_id}/{index}"


def decoded_size(text: str) -> int | None:
    """The byte size `text` decodes to, or None when it is not canonical base64."""
    if len(text) % 4 or not _BASE64_TEXT.fullmatch(text):
        return None
    return len(text) // 4 * 3 - text[-2:].count("=")


def looks_like_pdf(text: str) -> bool:
    """Whether canonical base64 `text` decodes to a PDF's header and trailer, decoding only
    its first and last characters (the file is checked before a byte of it is stored)."""
    try:
        head = base64.b64decode(text[:8], validate=True)
        tail = base64.b64decode(text[-_TAIL_CHARS:], validate=True)
    except (binascii.Error, ValueError):
        return False
    return head.startswith(PDF_HEADER) and tail.rstrip(_TRAILING).endswith(PDF_EOF)


def is_pdf(data: bytes) -> bool:
    """Starts with the `%PDF-` header and ends with an `%%EOF` trailer (line ends allowed)."""
    return data.startswith(PDF_HEADER) and data.rstrip(_TRAILING).endswith(PDF_EOF)


def sanitize_name(name: str) -> str | None:
    """A safe file name: no directories, no control or format characters, at most 100
    characters, ending in .pdf. None when nothing usable is left."""
    base = re.split(r"[\\/]", name)[-1]
    kept = "".join(
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFC", base)
        if unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn"} or char.isspace()
    )
    cleaned = re.sub(r"\s+", " ", kept).strip(" .")
    if not cleaned:
        return None
    stem = cleaned[:-4] if cleaned.lower().endswith(".pdf") else cleaned
    stem = stem[: MAX_NAME_LENGTH - 4].rstrip(" .")
    return f"{stem}.pdf" if stem else None


def attachment_errors(attachments: list[AttachmentInput]) -> list[FieldError]:
    """Every limit the attachments break, each pointing at its attachment; empty when fine.

    Checks count, sizes (from the base64 text), names and that each file is a PDF (its
    header and trailer), all without decoding the whole file.
    """
    pointer = "/content/attachments"
    errors: list[FieldError] = []
    if len(attachments) > MAX_ATTACHMENTS:
        errors.append(
            FieldError("too_many", f"at most {MAX_ATTACHMENTS} attachments a message", pointer)
        )
    total = 0
    for index, attachment in enumerate(attachments):
        size = decoded_size(attachment.content)
        if size is None:
            errors.append(
                FieldError("invalid_base64", "content is not base64", f"{pointer}/{index}/content")
            )
        elif size > MAX_ATTACHMENT_BYTES:
            errors.append(
                FieldError(
                    "too_large",
                    f"an attachment may be at most {MAX_ATTACHMENT_BYTES} bytes",
                    f"{pointer}/{index}/content",
                )
            )
        elif not looks_like_pdf(attachment.content):
            errors.append(
                FieldError(
                    "not_a_pdf",
                    "the content is not a PDF: it must start with %PDF- and end with %%EOF",
                    f"{pointer}/{index}/content",
                )
            )
        total += size or 0
        if sanitize_name(attachment.name) is None:
            errors.append(
                FieldError(
                    "invalid_name", "the name has no usable characters", f"{pointer}/{index}/name"
                )
            )
    if total > MAX_TOTAL_ATTACHMENT_BYTES:
        errors.append(
            FieldError(
                "too_large",
                f"attachments may be at most {MAX_TOTAL_ATTACHMENT_BYTES} bytes in all",
                pointer,
            )
        )
    return errors
