"""IO's fields Postino ignores are accepted over HTTP and named in the 201's
Postino-Ignored-Fields header, a replay included; they are not stored with the message."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from shared.bootstrap import build_app
from shared.services.onboarding import register_citizen
from tests.builders import FISCAL_CODE, message_body
from tests.e2e.conftest import register_service

KEY = "Ocp-Apim-Subscription-Key"
HEADER = "Postino-Ignored-Fields"
IO_EXTRAS = {
    "default_addresses": {"email": "someone@example.org"},
    "require_secure_channels": True,
    "third_party_data": {"id": "ext-1", "has_attachments": False},
}


@pytest.fixture(scope="module")
def citizen(local_stack) -> str:
    register_citizen(FISCAL_CODE, profiles=build_app(local_stack.settings).profiles)
    return FISCAL_CODE


@pytest.fixture
def key(local_stack) -> str:
    return register_service(local_stack.settings)


def _post(host, key, body, path=f"/api/v1/messages/{FISCAL_CODE}", **headers):
    return requests.post(
        host.url(path),
        data=json.dumps(body),
        headers={KEY: key, "Content-Type": "application/json", **headers},
        timeout=10,
    )


def test_ios_ignored_fields_are_accepted_and_named_in_the_201(offline_host, citizen, key):
    # GIVEN a message as an IO client sends it, with the fields IO no longer acts on
    # WHEN it is sent
    sent = _post(offline_host, key, message_body(**IO_EXTRAS))
    # THEN it is accepted, and the answer names what was ignored
    assert sent.status_code == 201, sent.text
    assert sent.headers[HEADER] == "default_addresses, require_secure_channels, third_party_data"
    # AND the stored message carries none of them
    status = requests.get(
        offline_host.url(sent.headers["Location"]), headers={KEY: key}, timeout=10
    )
    assert status.status_code == 200
    assert not set(IO_EXTRAS) & set(status.json()["message"])


def test_a_misspelt_field_is_named_and_a_body_recipient_send_names_it_too(
    offline_host, citizen, key
):
    body = message_body(fiscal_code=citizen, time_to_lve=7200)
    sent = _post(offline_host, key, body, path="/api/v1/messages")
    assert sent.status_code == 201, sent.text
    assert sent.headers[HEADER] == "time_to_lve"


def test_a_message_of_known_fields_gets_no_such_header(offline_host, citizen, key):
    sent = _post(offline_host, key, message_body(time_to_live=7200))
    assert sent.status_code == 201, sent.text
    assert HEADER not in sent.headers


def test_a_replay_names_the_ignored_fields_again(offline_host, citizen, key):
    idempotency = {"Idempotency-Key": f"ignored-{uuid.uuid4()}"}
    body = message_body(third_party_data={"id": "ext-2"})
    first = _post(offline_host, key, body, **idempotency)
    again = _post(offline_host, key, body, **idempotency)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotency-Replay"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert first.headers[HEADER] == again.headers[HEADER] == "third_party_data"
