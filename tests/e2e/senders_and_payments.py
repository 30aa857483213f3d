"""Helpers of the e2e tests about what a sender may know: Premium services of a chosen
organization, citizens registered in the store, payment events, and the status a sender
reads over HTTP."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from shared.bootstrap import build_app
from shared.domain.api_keys import ApiKeyRecord, KeySlot, generate_api_key, hash_api_key
from shared.domain.profile import Profile
from shared.domain.service import Service, Tier
from tests.builders import message_body
from tests.e2e.conftest import PAYMENT_PLATFORM, SETTLE_TIMEOUT_SECONDS, RunningHost
from tests.e2e.log_privacy import SENT

KEY_HEADER = "Ocp-Apim-Subscription-Key"


def premium_service(settings: Any, organization: str, **fields: Any) -> tuple[str, str]:
    """A Premium service of `organization` that may send payment notices, with one key;
    returns its id and key."""
    app = build_app(settings)
    service = Service(
        id=f"svc-{uuid.uuid4().hex[:10]}",
        name="Riscossione",
        organization_name=f"Ente {organization}",
        organization_fiscal_code=organization,
        tier=Tier.PREMIUM,
        max_allowed_payment_amount=1_000_000,
        **fields,
    )
    app.services.add(service)
    key = generate_api_key()
    SENT.add("API key", key)
    app.api_keys.add(
        ApiKeyRecord(id=hash_api_key(key), service_id=service.id, slot=KeySlot.PRIMARY)
    )
    return service.id, key


def register_citizen(settings: Any, fiscal_code: str, **profile: Any) -> None:
    build_app(settings).profiles.save(Profile(fiscal_code=fiscal_code, **profile))


def notice_number() -> str:
    return "3" + str(time.time_ns())[-17:].rjust(17, "0")


def notice_message(notice: str, payee: str | None = None) -> dict[str, Any]:
    """An ADVANCED message carrying the notice, payable to `payee` (default: the sender)."""
    body = message_body(feature_level_type="ADVANCED")
    body["content"]["due_date"] = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    payment: dict[str, Any] = {"amount": 12_345, "notice_number": notice}
    if payee is not None:
        payment["payee"] = {"fiscal_code": payee}
    body["content"]["payment_data"] = payment
    return body


def send(host: RunningHost, key: str, fiscal_code: str, body: dict[str, Any]) -> str:
    response = requests.post(
        host.url(f"/api/v1/messages/{fiscal_code}"),
        json=body,
        headers={KEY_HEADER: key},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def status(host: RunningHost, key: str, fiscal_code: str, message_id: str) -> dict[str, Any]:
    response = requests.get(
        host.url(f"/api/v1/messages/{fiscal_code}/{message_id}"),
        headers={KEY_HEADER: key},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def settled(host: RunningHost, key: str, fiscal_code: str, message_id: str) -> dict[str, Any]:
    """The status once the message is no longer ACCEPTED."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while True:
        body = status(host, key, fiscal_code, message_id)
        if body["status"] != "ACCEPTED":
            return body
        assert time.monotonic() < deadline, f"message {message_id} still ACCEPTED"
        time.sleep(0.1)


def report_payment(host: RunningHost, event: dict[str, Any]) -> requests.Response:
    """POST the payment platform's event."""
    return requests.post(
        host.url("/api/v1/payments"), json=event, headers=PAYMENT_PLATFORM, timeout=10
    )
