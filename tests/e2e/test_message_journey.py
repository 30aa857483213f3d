"""The first journey over HTTP through the offline host: an institution posts a message,
the queue carries it, ProcessMessage stores it, and GET reports its status."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import requests

from tests.builders import FISCAL_CODE, message_body, random_fiscal_code
from tests.e2e.conftest import run_admin

KEY_HEADER = "Ocp-Apim-Subscription-Key"
SETTLE_TIMEOUT_SECONDS = 15.0


@pytest.fixture(scope="module")
def service_key(local_stack) -> str:
    """A service created and a citizen registered with the operator CLI, as an operator would."""
    created = run_admin(
        "--json",
        "service",
        "create",
        "--name",
        "Tributi",
        "--organization-name",
        "Comune di Esempio",
        "--organization-fiscal-code",
        "01234567890",
        "--id",
        f"e2e-{uuid.uuid4().hex[:8]}",
        env=local_stack.app_settings,
    )
    assert created.returncode == 0, created.stderr
    registered = run_admin(
        "--json", "citizen", "register", FISCAL_CODE, "--replace", env=local_stack.app_settings
    )
    assert registered.returncode == 0, registered.stderr
    return str(json.loads(created.stdout)["primary_key"])


def _post(host, key: str, path: str = f"/api/v1/messages/{FISCAL_CODE}", body=None):
    return requests.post(
        host.url(path),
        json=message_body() if body is None else body,
        headers={KEY_HEADER: key},
        timeout=10,
    )


def _settled_status(host, key: str, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while True:
        response = requests.get(host.url(location), headers={KEY_HEADER: key}, timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] != "ACCEPTED" or time.monotonic() > deadline:
            return dict(body)
        time.sleep(0.2)


def test_a_message_to_a_registered_citizen_ends_processed(offline_host, service_key):
    response = _post(offline_host, service_key)
    assert response.status_code == 201, response.text
    message_id = response.json()["id"]
    assert response.headers["Location"] == f"/api/v1/messages/{FISCAL_CODE}/{message_id}"
    body = _settled_status(offline_host, service_key, response.headers["Location"])
    assert body["status"] == "PROCESSED"
    assert body["message"]["id"] == message_id
    assert body["message"]["fiscal_code"] == FISCAL_CODE


def test_a_message_to_an_unknown_citizen_ends_rejected(offline_host, service_key):
    fiscal_code = random_fiscal_code()
    response = _post(offline_host, service_key, path=f"/api/v1/messages/{fiscal_code}")
    assert response.status_code == 201, response.text
    body = _settled_status(offline_host, service_key, response.headers["Location"])
    assert (body["status"], body["rejection_reason"]) == ("REJECTED", "USER_NOT_FOUND")


def test_the_fiscal_code_may_travel_in_the_body(offline_host, service_key):
    response = _post(
        offline_host,
        service_key,
        path="/api/v1/messages",
        body=message_body(fiscal_code=FISCAL_CODE),
    )
    assert response.status_code == 201, response.text
    # The code stays out of the URL the answer points at, too.
    assert response.headers["Location"] == f"/api/v1/messages/{response.json()['id']}"


def test_invalid_json_gets_a_400_problem_not_a_500(offline_host, service_key):
    response = requests.post(
        offline_host.url(f"/api/v1/messages/{FISCAL_CODE}"),
        data=b'{"content": ',
        headers={KEY_HEADER: service_key, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_json"


def test_the_admin_call_runs_the_reminder_timer(offline_host):
    # A reminder run scans its hours: 30 s on a busy machine.
    offline_host.run_function_to_end("ReminderTimer", {"input": ""}, timeout=30)
