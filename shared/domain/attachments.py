"""PDF attachments of Premium messages: what an institution may attach, checked before any
byte is stored. The file is judged by what it is, not by what it claims to be.

Limits: at most 5 attachments a message, each at most 10 MiB decoded, 20 MiB in all.
Sizes are computed from the base64 text, so an oversize file is refused before decoding.
A file within the limits is then decoded a slice at a time and inspected (a PDF by its
header and trailer, without active content: shared.domain.content_policy); the slices are
dropped as they are read, and the blob store decodes the text again as it uploads it.
"""

from __future__ import annotations

import binascii
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.base64_text import AsciiChunk, Base64Text
from shared.domain.compat import StrEnum
from shared.domain.content_policy import pdf_name_words, without_markup
from shared.domain.errors import FieldError
from shared.domain.pdf_content import PDF_EOF, PDF_HEADER, PdfFindings, PdfInspector

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_TOTAL_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 100
PDF_CONTENT_TYPE = "application/pdf"
_TRAILING = b" \t\r\n\x00"
# Base64 text read per slice: 4 MiB, a multiple of 4, decoding to 3 MiB.
INSPECT_SLICE_CHARS = 4 * 1024 * 1024
# The last four characters of canonical base64: padding only there, "=" or "==".
_LAST_QUANTUM = re.compile(rb"[A-Za-z0-9+/]{2}(?:[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]=|==)")
_PADDED_END = re.compile(rb"=")


class AttachmentInput(BaseModel):
    """One attachment as an institution sends it (additive to IO's contract)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    name: str = Field(min_length=1, max_length=255)
    content_type: Literal["application/pdf"]
    # Base64 text (at least one character): a str, or held in the request body.
    content: Base64Text


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


class MalwareScan(StrEnum):
    """What the storage account's malware scanning (Defender for Storage) says of a stored
    attachment."""

    NO_THREATS = "NO_THREATS"
    MALICIOUS = "MALICIOUS"
    # Not scanned yet, or not scanned at all (no scanning where it runs, e.g. locally).
    NOT_SCANNED = "NOT_SCANNED"


def decoded_size(text: str | Base64Text) -> int | None:
    """The byte size `text` decodes to, or None when its length (a multiple of 4) or its
    last four characters (padding only there) say it is not canonical base64. The rest of
    the alphabet is checked when the text is decoded (inspect_base64_pdf)."""
    text = Base64Text.of(text)
    length = len(text)
    if length % 4 or (length and not _LAST_QUANTUM.fullmatch(text.last(4))):
        return None
    return length // 4 * 3 - text.last(2).count(b"=")


def _slices(text: Base64Text) -> Iterator[tuple[AsciiChunk, bool]]:
    """The text's slices, each with whether it is the last."""
    previous: AsciiChunk | None = None
    for chunk in text.chunks(INSPECT_SLICE_CHARS):
        if previous is not None:
            yield previous, False
        previous = chunk
    if previous is not None:
        yield previous, True


def inspect_base64_pdf(text: str | Base64Text) -> PdfFindings | None:
    """What the file whose base64 text is `text` carries, decoding it a slice at a time (at
    most one slice held); None when the text is not canonical base64."""
    text = Base64Text.of(text)
    if decoded_size(text) is None:
        return None
    inspector = PdfInspector()
    for chunk, last in _slices(text):
        # Strict decoding refuses any character outside the alphabet, and padding but at
        # the end of a slice; only the last slice may end with it.
        if not last and _PADDED_END.search(chunk[-2:]):
            return None
        try:
            data = binascii.a2b_base64(chunk, strict_mode=True)
        except binascii.Error:
            return None
        inspector.feed(data)
        # Freed before the next slice is decoded.
        del data
    return inspector.finish()


def looks_like_pdf(text: str | Base64Text) -> bool:
    """Whether canonical base64 `text` decodes to a PDF's header and trailer."""
    findings = inspect_base64_pdf(text)
    return findings is not None and findings.is_pdf


def is_pdf(data: bytes) -> bool:
    """Starts with the `%PDF-` header and ends with an `%%EOF` trailer (line ends allowed)."""
    return data.startswith(PDF_HEADER) and data.rstrip(_TRAILING).endswith(PDF_EOF)


def sanitize_name(name: str) -> str | None:
    """A safe file name: no markup (content policy), no directories, no control or format
    characters, at most 100 characters, ending in .pdf. None when nothing usable is left."""
    base = re.split(r"[\\/]", without_markup(name))[-1]
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


def _content_error(findings: PdfFindings | None, pointer: str) -> FieldError | None:
    if findings is None:
        return FieldError("invalid_base64", "content is not base64", pointer)
    if not findings.is_pdf:
        return FieldError(
            "not_a_pdf",
            "the content is not a PDF: it must start with %PDF- and end with %%EOF",
            pointer,
        )
    if findings.active_content:
        return FieldError(
            "pdf_active_content",
            "the PDF carries active content, which citizens' devices must not run: "
            f"{pdf_name_words(findings.active_content)}; send it without (for instance "
            "saved as PDF/A)",
            pointer,
        )
    if findings.not_checkable is not None:
        return FieldError(
            "pdf_not_checkable",
            f"the PDF cannot be checked for active content: {findings.not_checkable}",
            pointer,
        )
    return None


def attachment_errors(attachments: list[AttachmentInput]) -> list[FieldError]:
    """Every rule the attachments break, each pointing at its attachment; empty when fine.

    First the count, the sizes (from the base64 text) and the names; then, unless a size
    is over a limit (the request is refused as too large anyway), each file is decoded a
    slice at a time and inspected: a PDF by its header and trailer, without active content.
    """
    pointer = "/content/attachments"
    errors: list[FieldError] = []
    if len(attachments) > MAX_ATTACHMENTS:
        errors.append(
            FieldError("too_many", f"at most {MAX_ATTACHMENTS} attachments a message", pointer)
        )
    sizes = [decoded_size(attachment.content) for attachment in attachments]
    total = sum(size or 0 for size in sizes)
    oversize = total > MAX_TOTAL_ATTACHMENT_BYTES or any(
        size is not None and size > MAX_ATTACHMENT_BYTES for size in sizes
    )
    for index, (attachment, size) in enumerate(zip(attachments, sizes, strict=True)):
        content_pointer = f"{pointer}/{index}/content"
        content_error: FieldError | None = None
        if size is None:
            content_error = FieldError("invalid_base64", "content is not base64", content_pointer)
        elif size > MAX_ATTACHMENT_BYTES:
            content_error = FieldError(
                "too_large",
                f"an attachment may be at most {MAX_ATTACHMENT_BYTES} bytes",
                content_pointer,
            )
        elif not oversize:
            content_error = _content_error(inspect_base64_pdf(attachment.content), content_pointer)
        if content_error is not None:
            errors.append(content_error)
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
