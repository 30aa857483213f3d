"""POST /api/v1/payments over HTTP through the offline host, with the payment platform's
token."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import requests

from tests.e2e.conftest import PAYMENT_PLATFORM, citizen_call, expect_problem

FUNCTION_KEY = PAYMENT_PLATFORM
JSON = {"Content-Type": "application/json"}


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "payee_fiscal_code": "01234567890",
        # The emulator's store lives for the session: every test pays a notice of its own.
        "notice_number": f"3{random.randrange(10**17):017d}",
        "paid_at": "2026-11-22T10:00:00Z",
    }
    event.update(overrides)
    return event


def _post(host, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(
        host.url("/api/v1/payments"),
        data=body,
        headers={**FUNCTION_KEY, **JSON} if headers is None else headers,
        timeout=10,
    )


def test_a_payment_is_recorded_once_and_a_repeat_gets_it_back(offline_host):
    event = _event()
    first = _post(offline_host, json.dumps(event).encode())
    repeat = _post(offline_host, json.dumps({**event, "paid_at": "2026-11-22T09:00:00Z"}).encode())
    assert first.status_code == 201, first.text
    assert first.headers["Content-Type"].startswith("application/json")
    assert first.json()["paid_at"] == "2026-11-22T10:00:00Z"
    assert first.json()["notice_number"] == event["notice_number"]
    assert repeat.status_code == 200, repeat.text
    assert repeat.json() == first.json()


def test_bad_fields_get_a_400_listing_their_pointers(offline_host):
    body = _event(payee_fiscal_code="0123", notice_number="notice", paid_at="2026-11-22")
    problem = expect_problem(_post(offline_host, json.dumps(body).encode()), 400)
    assert sorted(error["pointer"] for error in problem["errors"]) == [
        "/notice_number",
        "/paid_at",
        "/payee_fiscal_code",
    ]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (JSON, 401),
        ({**JSON, "x-functions-key": "local-function-key"}, 401),
        ({**JSON, "Authorization": "Bearer nobody-knows-this-token"}, 401),
        # The citizen app's back end may not record a payment.
        ({**JSON, **citizen_call("RSSMRA80A01H501U")}, 403),
    ],
    ids=["no token", "function key", "unknown token", "citizen back end's token"],
)
def test_only_the_payment_platform_records_payments(offline_host, headers, status):
    body = json.dumps(_event()).encode()
    expect_problem(_post(offline_host, body, headers=headers), status)
    # AND nothing was recorded: the platform's own report of the notice is the first
    assert _post(offline_host, body).status_code == 201
