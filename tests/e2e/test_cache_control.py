"""No answer of the API may be kept by a browser, a proxy or a CDN: each route kind, its
successes and its problems, answer with Cache-Control: no-store."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
import requests

from shared.bootstrap import build_app
from shared.domain.service import Tier
from shared.services.onboarding import register_citizen
from tests.builders import a_pdf, message_body, random_fiscal_code
from tests.e2e.conftest import (
    INSTITUTION_KEY_HEADER,
    PAYMENT_PLATFORM,
    citizen_call,
    register_service,
    send_message,
    wait_processed,
)


@pytest.fixture(scope="module")
def delivered(offline_host, local_stack) -> tuple[str, str, str]:
    """(key, fiscal code, message id) of a Premium message with a PDF, in an inbox."""
    fiscal_code = random_fiscal_code()
    register_citizen(fiscal_code, profiles=build_app(local_stack.settings).profiles)
    key = register_service(local_stack.settings, tier=Tier.PREMIUM)
    body = message_body(feature_level_type="ADVANCED")
    content = base64.b64encode(a_pdf()).decode()
    body["content"]["attachments"] = [
        {"name": "avviso.pdf", "content_type": "application/pdf", "content": content}
    ]
    message_id = send_message(offline_host, key, fiscal_code, body)
    wait_processed(offline_host, key, fiscal_code, message_id)
    return key, fiscal_code, message_id


def _no_store(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers.get("Cache-Control") == "no-store"


def test_the_institution_apis_answers_are_not_stored(offline_host, delivered):
    key, fiscal_code, message_id = delivered
    institution = {INSTITUTION_KEY_HEADER: key}
    sent = requests.post(
        offline_host.url(f"/api/v1/messages/{fiscal_code}"),
        json=message_body(),
        headers=institution,
        timeout=10,
    )
    _no_store(sent, 201)
    status = requests.get(
        offline_host.url(f"/api/v1/messages/{fiscal_code}/{message_id}"),
        headers=institution,
        timeout=10,
    )
    _no_store(status, 200)
    profile = requests.get(
        offline_host.url(f"/api/v1/profiles/{fiscal_code}"), headers=institution, timeout=10
    )
    _no_store(profile, 200)


def test_the_citizen_apis_answers_with_content_and_links_are_not_stored(offline_host, delivered):
    _, fiscal_code, message_id = delivered
    headers = citizen_call(fiscal_code)
    inbox = requests.get(offline_host.url("/api/v1/citizen/messages"), headers=headers, timeout=10)
    _no_store(inbox, 200)
    opened = requests.get(
        offline_host.url(f"/api/v1/citizen/messages/{message_id}"), headers=headers, timeout=10
    )
    _no_store(opened, 200)
    assert opened.json()["attachments"][0]["download_url"]
    profile = requests.get(offline_host.url("/api/v1/citizen/profile"), headers=headers, timeout=10)
    _no_store(profile, 200)


def test_the_payment_platforms_answers_are_not_stored(offline_host):
    event = {
        "payee_fiscal_code": "01234567890",
        "notice_number": "3" + str(datetime.now(UTC).timestamp()).replace(".", "")[-17:].zfill(17),
        "paid_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    paid = requests.post(
        offline_host.url("/api/v1/payments"), json=event, headers=PAYMENT_PLATFORM, timeout=10
    )
    _no_store(paid, 201)


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/v1/messages/RSSMRA80A01H501U", {"content": {}}, 400),
        ("/api/v1/messages/RSSMRA80A01H501U", message_body(padding="x" * 300_000), 413),
    ],
)
def test_problems_are_not_stored(offline_host, delivered, path, body, status):
    key, _, _ = delivered
    response = requests.post(
        offline_host.url(path), json=body, headers={INSTITUTION_KEY_HEADER: key}, timeout=10
    )
    _no_store(response, status)


def test_an_unauthenticated_call_is_not_stored_either(offline_host):
    response = requests.get(
        offline_host.url("/api/v1/profiles/RSSMRA80A01H501U"),
        headers={INSTITUTION_KEY_HEADER: "0" * 32},
        timeout=10,
    )
    _no_store(response, 401)
