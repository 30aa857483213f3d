"""The content policy over HTTP: raw HTML, unsafe links, invisible characters, markup in
attachment names and active content in PDFs are refused (or cleaned) at acceptance, with a
400 naming the field, and nothing of a refused message is stored."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from shared.adapters.blob_attachments import blob_container_client
from shared.domain.service import Tier
from shared.storage_layout import BlobContainerName
from tests.builders import FISCAL_CODE, message_body
from tests.e2e.conftest import (
    INSTITUTION_KEY_HEADER,
    expect_problem,
    register_service,
    send_message,
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


@pytest.fixture(scope="module")
def key(local_stack) -> str:
    return register_service(local_stack.settings)


@pytest.fixture(scope="module")
def premium_key(local_stack) -> str:
    return register_service(local_stack.settings, tier=Tier.PREMIUM)


def _send(host, key: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        host.url(f"/api/v1/messages/{FISCAL_CODE}"),
        json=body,
        headers={INSTITUTION_KEY_HEADER: key},
        timeout=60,
    )


def _refused_at(response: requests.Response) -> list[tuple[str, str]]:
    problem = expect_problem(response, 400)
    return [(error["code"], error["pointer"]) for error in problem["errors"]]


def _attachment(data: bytes, name: str = "avviso.pdf") -> dict[str, str]:
    content = base64.b64encode(data).decode()
    return {"name": name, "content_type": "application/pdf", "content": content}


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(document.cookie)</script>",
        '<img src=x onerror="alert(1)">',
        "<!-- a hidden comment -->",
        "</p><iframe src=https://evil.example></iframe>",
    ],
)
def test_raw_html_in_the_markdown_is_400_naming_it(offline_host, key, markdown):
    body = message_body()
    body["content"]["markdown"] = markdown + MARKDOWN_TAIL
    assert _refused_at(_send(offline_host, key, body)) == [
        ("html_not_allowed", "/content/markdown")
    ]


@pytest.mark.parametrize(
    "link",
    [
        "[pay](javascript:alert(1))",
        "[pay](JaVaScRiPt:alert(1))",
        "[pay](java&#115;cript:alert(1))",
        "[pay](java%73cript:alert(1))",
        "[pay](<java\tscript:alert(1)>)",
        "[pay][ref]\n\n[ref]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "[pay](data:text/html;base64,PHNjcmlwdD4=)",
        "[pay](vbscript:msgbox(1))",
        "[pay](file:///etc/passwd)",
        "[pay](http://comune.example.it/tari)",
    ],
)
def test_a_link_other_than_https_mailto_tel_is_400_naming_the_markdown(offline_host, key, link):
    body = message_body()
    body["content"]["markdown"] = MARKDOWN_TAIL + "\n\n" + link
    assert ("link_not_allowed", "/content/markdown") in _refused_at(_send(offline_host, key, body))


def test_html_and_script_links_in_the_subject_are_400_naming_it(offline_host, key):
    body = message_body()
    body["content"]["subject"] = "<b>Pay</b> [now](javascript:alert(1))"
    assert _refused_at(_send(offline_host, key, body)) == [
        ("html_not_allowed", "/content/subject"),
        ("link_not_allowed", "/content/subject"),
    ]


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u2060"])
def test_a_fiscal_code_split_by_an_invisible_character_in_the_subject_is_400(
    offline_host, key, invisible
):
    body = message_body()
    body["content"]["subject"] = f"Pratica MRARSS80A01{invisible}H501T"
    refused = _refused_at(_send(offline_host, key, body))
    assert refused == [
        ("format_characters", "/content/subject"),
        ("personal_data_in_subject", "/content/subject"),
    ]


def test_safe_markdown_with_links_and_comparisons_is_accepted(offline_host, key, local_stack):
    body = message_body()
    body["content"]["markdown"] = (
        "Pay by 31/12 if the amount is < 100 euro: [pay online](https://checkout.pagopa.it/) "
        "or write to <tributi@comune.example.it>, or [call us](tel:+39061234567)."
    )
    assert _send(offline_host, key, body).status_code == 201


def _blob_names(local_stack) -> set[str]:
    container = blob_container_client(local_stack.storage, BlobContainerName.ATTACHMENTS)
    return {blob.name for blob in container.list_blobs()}


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
def test_a_pdf_with_active_content_is_400_at_its_content_and_nothing_is_stored(
    offline_host, premium_key, local_stack, sample
):
    # GIVEN the blobs stored so far
    before = _blob_names(local_stack)
    # WHEN a message arrives with a clean PDF and one carrying active content
    body = message_body(feature_level_type="ADVANCED")
    body["content"]["attachments"] = [_attachment(a_pdf()), _attachment(sample())]
    response = _send(offline_host, premium_key, body)
    # THEN it is refused at that attachment's content, and no blob was written
    assert _refused_at(response) == [("pdf_active_content", "/content/attachments/1/content")]
    assert _blob_names(local_stack) == before


def test_markup_in_an_attachment_name_is_stripped(offline_host, premium_key):
    body = message_body(feature_level_type="ADVANCED")
    name = '<img src=x onerror="alert(1)">Avviso <b>TARI</b>.pdf'
    body["content"]["attachments"] = [_attachment(a_pdf(), name=name)]
    message_id = send_message(offline_host, premium_key, FISCAL_CODE, body)
    status = requests.get(
        offline_host.url(f"/api/v1/messages/{FISCAL_CODE}/{message_id}"),
        headers={INSTITUTION_KEY_HEADER: premium_key},
        timeout=10,
    )
    assert status.status_code == 200, status.text
    (attachment,) = status.json()["message"]["attachments"]
    assert attachment["name"] == "Avviso TARI.pdf"
