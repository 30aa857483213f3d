"""Issue 4/7 end to end over HTTP: a Premium service sends a payment notice with two PDFs;
the citizen's app lists the inbox, opens the message, downloads both PDFs through their
links, marks it read; the payment platform reports the payment; the institution sees
READ / PAID and the four times. And the ways it must refuse."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from shared.domain.attachments import MAX_ATTACHMENT_BYTES
from shared.domain.service import Tier
from tests.builders import a_pdf, an_attachment, message_body, random_fiscal_code
from tests.e2e.conftest import (
    ATTACHMENT_LINK_SECONDS,
    PAYMENT_PLATFORM,
    citizen_call,
    register_service,
)

KEY_HEADER = "Ocp-Apim-Subscription-Key"
PAYEE = "01234567890"
SETTLE_TIMEOUT_SECONDS = 15.0


def _notice_number() -> str:
    return "3" + str(time.time_ns())[-17:].rjust(17, "0")


def _register_citizen(host, fiscal_code: str, **profile: Any) -> None:
    response = requests.put(
        host.url("/api/v1/citizen/profile"),
        json=profile,
        headers=citizen_call(fiscal_code),
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text


def _send(host, key: str, fiscal_code: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        host.url(f"/api/v1/messages/{fiscal_code}"),
        json=body,
        headers={KEY_HEADER: key},
        timeout=60,
    )


def _status(host, key: str, fiscal_code: str, message_id: str) -> dict[str, Any]:
    response = requests.get(
        host.url(f"/api/v1/messages/{fiscal_code}/{message_id}"),
        headers={KEY_HEADER: key},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _processed(host, key: str, fiscal_code: str, message_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while True:
        body = _status(host, key, fiscal_code, message_id)
        if body["status"] != "ACCEPTED" or time.monotonic() > deadline:
            assert body["status"] == "PROCESSED", body
            return body
        time.sleep(0.1)


def _citizen(host, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A citizen API call; `path` is `/{fiscal_code}/...`, the code going in the header."""
    _, fiscal_code, rest = path.split("/", 2)
    return requests.request(
        method,
        host.url(f"/api/v1/citizen/{rest}"),
        headers=citizen_call(fiscal_code),
        timeout=10,
        **kwargs,
    )


def _payment_message(notice: str, *attachments: dict[str, str]) -> dict[str, Any]:
    body = message_body(feature_level_type="ADVANCED")
    body["content"]["due_date"] = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    body["content"]["payment_data"] = {"amount": 12_345, "notice_number": notice}
    if attachments:
        body["content"]["attachments"] = list(attachments)
    return body


# The Content-Disposition each download answers with (shared.domain.download_name).
SAVED_AS = {
    "Avviso TARI 2026.pdf": (
        "attachment; filename=\"Avviso TARI 2026.pdf\"; filename*=UTF-8''Avviso%20TARI%202026.pdf"
    ),
    "bollettino.pdf": "attachment; filename=\"bollettino.pdf\"; filename*=UTF-8''bollettino.pdf",
}


@pytest.fixture(scope="module")
def premium_key(local_stack) -> str:
    return register_service(
        local_stack.settings, tier=Tier.PREMIUM, max_allowed_payment_amount=1_000_000
    )


def _at(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text)


def test_the_premium_journey_from_sending_to_read_and_paid(offline_host, premium_key):
    # GIVEN a registered citizen and two PDFs, one of them over 4 MiB
    fiscal_code = random_fiscal_code()
    _register_citizen(offline_host, fiscal_code)
    first = a_pdf(marker=b"avviso di pagamento")
    second = a_pdf(padding=5 * 1024 * 1024, marker=b"bollettino")
    notice = _notice_number()
    # WHEN the Premium service sends a payment notice with both attached
    sent = _send(
        offline_host,
        premium_key,
        fiscal_code,
        _payment_message(
            notice,
            an_attachment(first, name="Avviso TARI 2026.pdf"),
            an_attachment(second, name="bollettino.pdf"),
        ),
    )
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["id"]
    status = _processed(offline_host, premium_key, fiscal_code, message_id)
    assert (status["read_status"], status["payment_status"]) == ("UNREAD", "NOT_PAID")
    assert status["received_at"] is None

    # THEN the citizen's app finds it in the inbox, newest first, unread
    inbox = _citizen(offline_host, "GET", f"/{fiscal_code}/messages")
    assert inbox.status_code == 200, inbox.text
    (item,) = inbox.json()["items"]
    assert (item["id"], item["has_attachments"], item["has_payment"], item["is_read"]) == (
        message_id,
        True,
        True,
        False,
    )
    assert item["sender_service_name"] == "Tributi"

    # AND opening it gives a short-lived link per attachment, each downloading the same bytes
    opened = _citizen(offline_host, "GET", f"/{fiscal_code}/messages/{message_id}")
    assert opened.status_code == 200, opened.text
    attachments = opened.json()["attachments"]
    assert [a["name"] for a in attachments] == ["Avviso TARI 2026.pdf", "bollettino.pdf"]
    for attachment, data in zip(attachments, (first, second), strict=True):
        assert fiscal_code not in attachment["download_url"]
        downloaded = requests.get(attachment["download_url"], timeout=30)
        assert downloaded.status_code == 200
        assert downloaded.content == data
        assert attachment["size"] == len(data)
        # saved under its own name, not the blob's
        assert downloaded.headers["Content-Disposition"] == SAVED_AS[attachment["name"]]
        expires = _at(attachment["download_url_expires_at"])
        assert expires <= datetime.now(UTC) + timedelta(seconds=ATTACHMENT_LINK_SECONDS + 1)

    # AND the citizen marks it read, once and for all
    marked = _citizen(
        offline_host, "PATCH", f"/{fiscal_code}/messages/{message_id}", json={"is_read": True}
    )
    assert marked.status_code == 200, marked.text
    again = _citizen(
        offline_host, "PATCH", f"/{fiscal_code}/messages/{message_id}", json={"is_read": True}
    )
    assert again.status_code == 200
    undo = _citizen(
        offline_host, "PATCH", f"/{fiscal_code}/messages/{message_id}", json={"is_read": False}
    )
    assert undo.status_code == 400

    # AND the payment platform reports the payment, twice
    paid_at = datetime.now(UTC).replace(microsecond=0)
    event = {"payee_fiscal_code": PAYEE, "notice_number": notice, "paid_at": paid_at.isoformat()}
    for expected in (201, 200):
        paid = requests.post(
            offline_host.url("/api/v1/payments"), json=event, headers=PAYMENT_PLATFORM, timeout=10
        )
        assert paid.status_code == expected, paid.text

    # THEN the institution sees READ / PAID and the four times in order
    final = _status(offline_host, premium_key, fiscal_code, message_id)
    assert (final["read_status"], final["payment_status"]) == ("READ", "PAID")
    processed, received, read = (
        _at(final["processed_at"]),
        _at(final["received_at"]),
        _at(final["read_at"]),
    )
    assert processed <= received <= read
    assert _at(final["paid_at"]) == paid_at


def test_a_payment_reported_before_the_message_arrives_counts(offline_host, premium_key):
    # GIVEN a notice already paid
    fiscal_code = random_fiscal_code()
    _register_citizen(offline_host, fiscal_code)
    notice = _notice_number()
    event = {
        "payee_fiscal_code": PAYEE,
        "notice_number": notice,
        "paid_at": datetime.now(UTC).isoformat(),
    }
    paid = requests.post(
        offline_host.url("/api/v1/payments"), json=event, headers=PAYMENT_PLATFORM, timeout=10
    )
    assert paid.status_code == 201, paid.text
    # WHEN its message arrives afterwards
    sent = _send(offline_host, premium_key, fiscal_code, _payment_message(notice))
    assert sent.status_code == 201, sent.text
    # THEN it is PAID at once
    status = _processed(offline_host, premium_key, fiscal_code, sent.json()["id"])
    assert status["payment_status"] == "PAID"


def test_a_citizen_who_denies_read_sharing_shows_unavailable(offline_host, premium_key):
    fiscal_code = random_fiscal_code()
    _register_citizen(offline_host, fiscal_code, share_read_status=False)
    sent = _send(
        offline_host, premium_key, fiscal_code, message_body(feature_level_type="ADVANCED")
    )
    message_id = sent.json()["id"]
    _processed(offline_host, premium_key, fiscal_code, message_id)
    marked = _citizen(
        offline_host, "PATCH", f"/{fiscal_code}/messages/{message_id}", json={"is_read": True}
    )
    assert marked.status_code == 200, marked.text
    status = _status(offline_host, premium_key, fiscal_code, message_id)
    assert (status["read_status"], status["read_at"]) == ("UNAVAILABLE", None)


def test_a_basic_service_may_not_attach_files(offline_host, local_stack):
    basic_key = register_service(local_stack.settings)
    body = message_body()
    body["content"]["attachments"] = [an_attachment()]
    refused = _send(offline_host, basic_key, random_fiscal_code(), body)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert "Premium" in refused.json()["detail"]


def test_bytes_renamed_pdf_are_refused_naming_the_attachment(offline_host, premium_key):
    body = message_body(feature_level_type="ADVANCED")
    body["content"]["attachments"] = [
        an_attachment(),
        an_attachment(b"\x89PNG\r\n\x1a\n an image", name="avviso.pdf"),
    ]
    refused = _send(offline_host, premium_key, random_fiscal_code(), body)
    assert refused.status_code == 400
    assert [(e["code"], e["pointer"]) for e in refused.json()["errors"]] == [
        ("not_a_pdf", "/content/attachments/1/content")
    ]


def test_bad_base64_is_refused_naming_the_attachment(offline_host, premium_key):
    body = message_body(feature_level_type="ADVANCED")
    body["content"]["attachments"] = [{**an_attachment(), "content": "JVBERi0x***"}]
    refused = _send(offline_host, premium_key, random_fiscal_code(), body)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"] == "/content/attachments/0/content"


def test_an_oversize_attachment_is_413_naming_it(offline_host, premium_key):
    big = a_pdf(padding=MAX_ATTACHMENT_BYTES)
    body = message_body(feature_level_type="ADVANCED")
    body["content"]["attachments"] = [an_attachment(big)]
    refused = _send(offline_host, premium_key, random_fiscal_code(), body)
    assert refused.status_code == 413
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["pointer"] == "/content/attachments/0/content"


def test_a_citizen_cannot_mark_read_a_message_of_another_citizen(offline_host, premium_key):
    owner, other = random_fiscal_code(), random_fiscal_code()
    for fiscal_code in (owner, other):
        _register_citizen(offline_host, fiscal_code)
    sent = _send(offline_host, premium_key, owner, message_body(feature_level_type="ADVANCED"))
    message_id = sent.json()["id"]
    _processed(offline_host, premium_key, owner, message_id)
    refused = _citizen(
        offline_host, "PATCH", f"/{other}/messages/{message_id}", json={"is_read": True}
    )
    assert refused.status_code == 404
    status = _status(offline_host, premium_key, owner, message_id)
    assert status["read_status"] == "UNREAD"


def test_an_expired_download_link_is_refused(offline_host, premium_key):
    # GIVEN a link handed out to the citizen's app
    fiscal_code = random_fiscal_code()
    _register_citizen(offline_host, fiscal_code)
    body = message_body(feature_level_type="ADVANCED")
    body["content"]["attachments"] = [an_attachment()]
    sent = _send(offline_host, premium_key, fiscal_code, body)
    message_id = sent.json()["id"]
    _processed(offline_host, premium_key, fiscal_code, message_id)
    opened = _citizen(offline_host, "GET", f"/{fiscal_code}/messages/{message_id}")
    (attachment,) = opened.json()["attachments"]
    # WHEN it is followed after it expired
    time.sleep(ATTACHMENT_LINK_SECONDS + 1.5)
    late = requests.get(attachment["download_url"], timeout=10)
    # THEN storage refuses it
    assert late.status_code == 403
    # AND opening the message again gives a fresh link that works
    reopened = _citizen(offline_host, "GET", f"/{fiscal_code}/messages/{message_id}")
    fresh = reopened.json()["attachments"][0]["download_url"]
    assert requests.get(fresh, timeout=10).content == base64.b64decode(an_attachment()["content"])
