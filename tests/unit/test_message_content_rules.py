"""The content policy applied to whole messages at acceptance: every broken rule named at
once, each pointing at its field, nothing stored for a refused message."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from shared.domain.errors import ValidationError
from shared.domain.message_rules import validate_new_message
from shared.domain.service import Tier
from shared.services.create_message import create_message
from tests.builders import FISCAL_CODE, a_service, message_body
from tests.fakes import (
    FakeAttachmentStore,
    FakeClock,
    FakeIdempotencyStore,
    FakeMessageQueue,
    FakeMessageRepository,
)
from tests.pdf_samples import (
    a_pdf,
    with_a_launch_action,
    with_an_embedded_file,
    with_escaped_javascript_name,
    with_javascript_in_an_object_stream,
    with_javascript_on_open,
)

MARKDOWN_TAIL = " Your new electronic identity card is ready at the registry office." * 2


def _attachment(data: bytes, name: str = "avviso.pdf") -> dict[str, str]:
    content = base64.b64encode(data).decode()
    return {"name": name, "content_type": "application/pdf", "content": content}


def _errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as refused:
        validate_new_message(FISCAL_CODE, json.dumps(body).encode())
    return [(error.code, error.pointer) for error in refused.value.errors]


def test_script_in_the_markdown_and_a_javascript_link_in_the_subject_are_both_named():
    body = message_body()
    body["content"]["markdown"] = "<script>alert(1)</script>" + MARKDOWN_TAIL
    body["content"]["subject"] = "Pay [here](javascript:alert(1))"
    assert _errors(body) == [
        ("link_not_allowed", "/content/subject"),
        ("html_not_allowed", "/content/markdown"),
    ]


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u2060"])
def test_a_fiscal_code_split_by_an_invisible_character_is_refused_twice_over(invisible):
    # GIVEN a subject whose fiscal code hides an invisible character
    body = message_body()
    body["content"]["subject"] = f"Pratica RSSMRA80A01{invisible}H501U"
    # THEN the character is refused, and the fiscal code still seen through it
    assert _errors(body) == [
        ("format_characters", "/content/subject"),
        ("personal_data_in_subject", "/content/subject"),
    ]


@pytest.mark.parametrize(
    "sample",
    [
        with_javascript_on_open,
        with_escaped_javascript_name,
        with_javascript_in_an_object_stream,
        with_an_embedded_file,
        with_a_launch_action,
    ],
)
def test_a_pdf_with_active_content_is_refused_at_its_content(sample):
    body = message_body(feature_level_type="ADVANCED")
    body["content"]["attachments"] = [_attachment(a_pdf()), _attachment(sample())]
    assert _errors(body) == [("pdf_active_content", "/content/attachments/1/content")]


def test_a_refused_pdf_is_never_stored_and_a_markup_name_is_stored_clean():
    # GIVEN the fakes of a Premium service's acceptance
    store = FakeAttachmentStore()
    ports: dict[str, Any] = {
        "messages": FakeMessageRepository(),
        "queue": FakeMessageQueue(),
        "idempotency": FakeIdempotencyStore(),
        "attachments": store,
        "clock": FakeClock(),
    }
    premium = a_service(tier=Tier.PREMIUM)
    body = message_body(feature_level_type="ADVANCED")
    # WHEN a message with a scripted PDF is sent, with an Idempotency-Key
    body["content"]["attachments"] = [_attachment(a_pdf()), _attachment(with_javascript_on_open())]
    with pytest.raises(ValidationError):
        create_message(
            premium,
            *validate_new_message(FISCAL_CODE, json.dumps(body).encode()),
            idempotency_key="k1",
            **ports,
        )
    # THEN nothing was stored, not even its clean attachment
    assert store.blobs == {}
    # AND a clean PDF under a name with markup is stored under the name without it
    body["content"]["attachments"] = [_attachment(a_pdf(), name="<b>Avviso</b> TARI.pdf")]
    accepted = create_message(
        premium, *validate_new_message(FISCAL_CODE, json.dumps(body).encode()), **ports
    )
    assert [a.name for a in accepted.message.attachments] == ["Avviso TARI.pdf"]
