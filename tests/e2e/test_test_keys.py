"""Test keys over HTTP through the offline host: each sandbox fiscal code gives its outcome,
every answer says test, nothing is pushed, and no citizen's inbox is ever reached."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import requests

from shared.bootstrap import build_app
from shared.domain.api_keys import ApiKeyRecord, KeyKind, KeySlot, generate_api_key, hash_api_key
from shared.domain.events import EventType
from shared.domain.profile import Profile
from shared.domain.sandbox import (
    SANDBOX_PROCESSED,
    SANDBOX_SERVICE_NOT_ALLOWED,
    SANDBOX_USER_NOT_FOUND,
)
from shared.domain.service import Service
from tests.builders import message_body, random_fiscal_code
from tests.callback_servers import ScriptedServer
from tests.e2e.conftest import (
    INSTITUTION_KEY_HEADER,
    SETTLE_TIMEOUT_SECONDS,
    citizen_call,
    expect_problem,
    run_admin,
)
from tests.e2e.log_privacy import SENT

MESSAGES = "/api/v1/messages"


class Keys:
    """A service with a live key and a test key."""

    def __init__(self, settings) -> None:
        app = build_app(settings)
        self.service_id = f"svc-{uuid.uuid4().hex[:10]}"
        app.services.add(
            Service(
                id=self.service_id,
                name="Tributi",
                organization_name="Comune di Esempio",
                organization_fiscal_code="01234567890",
            )
        )
        self.live = self._issue(app, KeyKind.LIVE)
        self.test = self._issue(app, KeyKind.TEST)

    def _issue(self, app, kind: KeyKind) -> str:
        key = generate_api_key()
        SENT.add("API key", key)
        record = ApiKeyRecord(
            id=hash_api_key(key), service_id=self.service_id, slot=KeySlot.PRIMARY, kind=kind
        )
        app.api_keys.add(record)
        return key


@pytest.fixture(scope="module")
def keys(local_stack) -> Keys:
    return Keys(local_stack.settings)


def _send(host, key: str, fiscal_code: str, **headers: str) -> requests.Response:
    return requests.post(
        host.url(MESSAGES),
        json={**message_body(), "fiscal_code": fiscal_code},
        headers={INSTITUTION_KEY_HEADER: key, **headers},
        timeout=60,
    )


def _status(host, key: str, path: str) -> requests.Response:
    return requests.get(host.url(path), headers={INSTITUTION_KEY_HEADER: key}, timeout=10)


def _decided(host, key: str, message_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while True:
        response = _status(host, key, f"{MESSAGES}/{message_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] != "ACCEPTED":
            return body
        assert time.monotonic() < deadline, f"message {message_id} still ACCEPTED"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("fiscal_code", "status", "reason"),
    [
        (SANDBOX_PROCESSED, "PROCESSED", None),
        (SANDBOX_USER_NOT_FOUND, "REJECTED", "USER_NOT_FOUND"),
        (SANDBOX_SERVICE_NOT_ALLOWED, "REJECTED", "SERVICE_NOT_ALLOWED"),
    ],
)
def test_a_test_key_gets_each_sandbox_codes_outcome_marked_test_in_every_answer(
    offline_host, keys, fiscal_code, status, reason
):
    # WHEN the service sends to a sandbox code with its test key
    sent = _send(offline_host, keys.test, fiscal_code)
    # THEN the acceptance says test
    assert sent.status_code == 201, sent.text
    assert sent.json()["test"] is True
    message_id = sent.json()["id"]
    # AND the message ends as the code says, each status answer saying test
    by_id = _decided(offline_host, keys.test, message_id)
    assert (by_id["status"], by_id.get("rejection_reason"), by_id["test"]) == (
        status,
        reason,
        True,
    )
    by_code = _status(offline_host, keys.test, f"{MESSAGES}/{fiscal_code}/{message_id}")
    assert by_code.status_code == 200, by_code.text
    assert (by_code.json()["status"], by_code.json()["test"]) == (status, True)


def test_a_processed_test_message_stores_no_push_for_anyone(offline_host, local_stack, keys):
    message_id = _send(offline_host, keys.test, SANDBOX_PROCESSED).json()["id"]

    assert _decided(offline_host, keys.test, message_id)["status"] == "PROCESSED"

    # The decision stored its events with it: a push would be in the outbox or delivered.
    stored = build_app(local_stack.settings).messages.get(SANDBOX_PROCESSED, message_id)
    assert stored is not None
    assert stored.test
    assert EventType.NEW_MESSAGE_PUSH not in [event.type for event in stored.outbox]
    assert stored.outbox == ()  # the service has no callback: nothing to tell anyone


def test_a_test_key_cannot_reach_a_real_citizens_inbox(offline_host, keys):
    # GIVEN a registered citizen
    fiscal_code = random_fiscal_code()
    registered = requests.put(
        offline_host.url("/api/v1/citizen/profile"),
        json={},
        headers=citizen_call(fiscal_code),
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    # WHEN the service writes to them with its test key
    refused = _send(offline_host, keys.test, fiscal_code)
    # THEN it is refused, naming the field, and the inbox holds nothing
    problem = expect_problem(refused, 403)
    assert SANDBOX_PROCESSED in problem["detail"]
    assert fiscal_code not in refused.text
    inbox = requests.get(
        offline_host.url("/api/v1/citizen/messages"), headers=citizen_call(fiscal_code), timeout=10
    )
    assert inbox.status_code == 200, inbox.text
    assert inbox.json()["items"] == []


def test_the_citizen_api_refuses_a_sandbox_code(offline_host, keys):
    _decided(
        offline_host, keys.test, _send(offline_host, keys.test, SANDBOX_PROCESSED).json()["id"]
    )

    inbox = requests.get(
        offline_host.url("/api/v1/citizen/messages"),
        headers=citizen_call(SANDBOX_PROCESSED),
        timeout=10,
    )

    problem = expect_problem(inbox, 400)
    assert [error["pointer"] for error in problem["errors"]] == ["/headers/Citizen-Fiscal-Code"]


def test_idempotency_and_validation_answer_a_test_key_as_a_live_one(offline_host, keys):
    key = {"Idempotency-Key": f"order-{uuid.uuid4().hex}"}
    first = _send(offline_host, keys.test, SANDBOX_PROCESSED, **key)
    again = _send(offline_host, keys.test, SANDBOX_PROCESSED, **key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotency-Replay"] == "true"
    assert again.json() == first.json()

    answers = []
    for api_key in (keys.live, keys.test):
        response = requests.post(
            offline_host.url(MESSAGES),
            json={"fiscal_code": SANDBOX_PROCESSED, "content": {"subject": "short"}},
            headers={INSTITUTION_KEY_HEADER: api_key},
            timeout=10,
        )
        problem = expect_problem(response, 400)
        answers.append(sorted(error["pointer"] for error in problem["errors"]))
    assert answers[0] == answers[1]
    assert "/content/subject" in answers[0]


def test_a_test_key_reads_no_live_message(offline_host, keys):
    live_id = _send(offline_host, keys.live, SANDBOX_PROCESSED).json()["id"]
    assert "test" not in _decided(offline_host, keys.live, live_id)

    response = _status(offline_host, keys.test, f"{MESSAGES}/{live_id}")

    expect_problem(response, 404)


def test_a_test_messages_callbacks_go_to_its_own_service_saying_test(offline_host, local_stack):
    # GIVEN a service with test keys and a callback to a local receiver
    keys = Keys(local_stack.settings)
    with ScriptedServer() as receiver:
        done = run_admin(
            "service",
            "callback",
            "set",
            keys.service_id,
            "--url",
            receiver.url(),
            env=local_stack.app_settings,
        )
        assert done.returncode == 0, done.stderr + done.stdout
        # WHEN it sends a test message to the sandbox code of each rejection and of delivery
        sent = {
            _send(offline_host, keys.test, code).json()["id"]: code
            for code in (SANDBOX_PROCESSED, SANDBOX_USER_NOT_FOUND)
        }
        # THEN its receiver is told of each outcome, every body saying test
        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        while len(bodies := [json.loads(r.body) for r in receiver.received]) < len(sent):
            assert time.monotonic() < deadline, f"{len(bodies)} of {len(sent)} callbacks"
            time.sleep(0.1)
    told = sorted((body["message_id"], body["type"], body["test"]) for body in bodies)
    assert told == sorted(
        (message_id, "message.processed" if code == SANDBOX_PROCESSED else "message.rejected", True)
        for message_id, code in sent.items()
    )


def test_the_recipient_check_with_a_test_key_answers_for_the_sandbox_only(offline_host, keys):
    def check(fiscal_code: str) -> requests.Response:
        return requests.post(
            offline_host.url("/api/v1/profiles"),
            json={"fiscal_code": fiscal_code},
            headers={INSTITUTION_KEY_HEADER: keys.test},
            timeout=10,
        )

    allowed, refused = check(SANDBOX_PROCESSED), check(SANDBOX_SERVICE_NOT_ALLOWED)
    assert (allowed.status_code, allowed.json()["sender_allowed"]) == (200, True)
    assert (refused.status_code, refused.json()["sender_allowed"]) == (200, False)
    expect_problem(check(SANDBOX_USER_NOT_FOUND), 404)
    expect_problem(check(random_fiscal_code()), 403)


def test_a_test_keys_listing_shows_only_test_messages_and_a_live_keys_only_live_ones(
    offline_host, local_stack
):
    # GIVEN a service that sent one message with each key
    own = Keys(local_stack.settings)
    test_id = _send(offline_host, own.test, SANDBOX_PROCESSED).json()["id"]
    citizen = random_fiscal_code()
    build_app(local_stack.settings).profiles.save(Profile(fiscal_code=citizen))
    live_id = _send(offline_host, own.live, citizen).json()["id"]
    _decided(offline_host, own.test, test_id)
    _decided(offline_host, own.live, live_id)

    # WHEN each key lists the service's messages
    listed = {
        kind: [item["id"] for item in _status(offline_host, key, MESSAGES).json()["items"]]
        for kind, key in (("test", own.test), ("live", own.live))
    }

    # THEN each sees only the messages of its own kind
    assert listed == {"test": [test_id], "live": [live_id]}
