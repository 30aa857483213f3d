"""Idempotency-Key records: one per (service, key), pointing at the message it created."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.base64_text import Base64Text
from shared.domain.errors import FieldError, ValidationError
from shared.domain.message import NewMessage

MAX_KEY_LENGTH = 255


class IdempotencyRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    service_id: str
    request_hash: str
    message_id: str
    fiscal_code: str
    reserved_at: datetime
    version: str | None = Field(default=None, exclude=True)


def check_idempotency_key(key: str) -> None:
    """Raises ValidationError unless the key has 1 to 255 printable ASCII characters."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        raise ValidationError(
            [
                FieldError(
                    "invalid_idempotency_key",
                    f"Idempotency-Key must have 1 to {MAX_KEY_LENGTH} printable ASCII characters",
                    "/headers/Idempotency-Key",
                )
            ]
        )


def idempotency_record_id(service_id: str, key: str, *, test: bool = False) -> str:
    """Keys are scoped per service, and a service's TEST keys have a scope of their own (a
    test request never replays a live message); the stored id is a hash, never the key."""
    # A key is printable ASCII: no key holds the NUL that separates the test scope.
    scope = f"{service_id}\x00test" if test else service_id
    return hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()


def request_fingerprint(fiscal_code: str, message: NewMessage) -> str:
    """The same request means the same recipient and the same validated message, whatever
    the JSON's whitespace, key order or ignored unknown fields."""
    request: dict[str, object] = {
        "fiscal_code": fiscal_code,
        "message": message.model_dump(
            mode="json", exclude={"fiscal_code": True, "content": {"attachments"}}
        ),
    }
    if message.content.attachments:
        request["attachments"] = [
            {
                "name": attachment.name,
                "content_type": attachment.content_type,
                "content": _text_digest(attachment.content),
            }
            for attachment in message.content.attachments
        ]
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _text_digest(text: Base64Text) -> str:
    # The SHA-256 of the text, read a slice at a time (it may be held in the request body).
    return text.sha256()
