"""Builders of valid domain values and request bodies, so each test states only what matters."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime
from typing import Any

from shared.domain.fiscal_code import check_character
from shared.domain.message import FeatureLevel, Message, MessageContent, MessageStatus
from shared.domain.payment import PaymentEvent
from shared.domain.service import Service
from shared.domain.validation import parse_json_model

FISCAL_CODE = "RSSMRA80A01H501U"
OTHER_FISCAL_CODE = "MRARSS80A01H501T"
SUBJECT = "Your identity card is ready"
MARKDOWN = "Your new electronic identity card is ready. " * 3


def message_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"content": {"subject": SUBJECT, "markdown": MARKDOWN}}
    body.update(overrides)
    return body


def message_json(**overrides: Any) -> bytes:
    return json.dumps(message_body(**overrides)).encode()


def a_service(service_id: str = "svc-1", **overrides: Any) -> Service:
    fields: dict[str, Any] = {
        "id": service_id,
        "name": "Anagrafe",
        "organization_name": "Comune di Esempio",
        "organization_fiscal_code": "01234567890",
    }
    fields.update(overrides)
    return Service(**fields)


def a_message(
    message_id: str = "01JCZ0000000000000000000AA",
    fiscal_code: str = FISCAL_CODE,
    sender_service_id: str = "svc-1",
    status: MessageStatus = MessageStatus.ACCEPTED,
) -> Message:
    now = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    message = Message.accepted(
        id=message_id,
        fiscal_code=fiscal_code,
        sender_service_id=sender_service_id,
        now=now,
        time_to_live=3600,
        content=MessageContent(subject=SUBJECT, markdown=MARKDOWN),
        feature_level_type=FeatureLevel.STANDARD,
    )
    return (
        message
        if status is MessageStatus.ACCEPTED
        else message.model_copy(update={"status": status})
    )


def random_fiscal_code() -> str:
    """A valid fiscal code nobody registered: random surname and name letters."""
    letters = "".join(random.choice("BCDFGHLMNPRSTVZ") for _ in range(6))
    first_fifteen = f"{letters}85T10A944"
    return first_fifteen + check_character(first_fifteen)


def a_pdf(padding: int = 64, marker: bytes = b"") -> bytes:
    """A small document that passes the PDF checks (header, trailer)."""
    return b"%PDF-1.7\n" + marker + b"\0" * padding + b"\n%%EOF\n"


def an_attachment(data: bytes | None = None, name: str = "avviso.pdf") -> dict[str, str]:
    """An attachment as an institution sends it: base64 content."""
    content = base64.b64encode(a_pdf() if data is None else data).decode()
    return {"name": name, "content_type": "application/pdf", "content": content}


def premium_message_json(*attachments: dict[str, str], **overrides: Any) -> bytes:
    """An ADVANCED message carrying these attachments."""
    body = message_body(feature_level_type="ADVANCED", **overrides)
    body["content"]["attachments"] = list(attachments)
    return json.dumps(body).encode()


def payment_event(body: bytes) -> PaymentEvent:
    """A payment event's body parsed as PaymentEvents' entry point parses it (the model;
    the rules that need the time of receipt are record_payment's)."""
    return parse_json_model(PaymentEvent, body)
