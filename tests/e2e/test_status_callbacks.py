"""Status callbacks over HTTP through the offline host, to a receiver on 127.0.0.1: the
events of processing, rejection and reading, each signed and verifiable with the documented
snippet, each once per event id; a receiver answering 500 for a while gets them later; one
that refuses them ends in the dead letters, and the CLI's replay delivers them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from shared.bootstrap import build_app
from shared.domain.api_keys import hash_api_key
from shared.domain.callback_signature import verify
from shared.domain.service import Tier
from tests.builders import FISCAL_CODE, SUBJECT, message_body, random_fiscal_code
from tests.callback_servers import Answer, Received, ScriptedServer
from tests.e2e.conftest import (
    CALLBACK_RETRY,
    citizen_call,
    register_service,
    run_admin,
    send_message,
)
from tests.e2e.senders_and_payments import (
    notice_message,
    notice_number,
    premium_service,
    report_payment,
    send,
)

WAIT_SECONDS = 20.0


@pytest.fixture
def receiver() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


def _service_id(local_stack, key: str) -> str:
    record = build_app(local_stack.settings).api_keys.get(hash_api_key(key))
    assert record is not None
    return record.service_id


def _with_callback(local_stack, key: str, url: str) -> bytes:
    """Register `url` as the key's service's callback with the CLI; the secret it prints."""
    done = run_admin(
        "--json",
        "service",
        "callback",
        "set",
        _service_id(local_stack, key),
        "--url",
        url,
        env=local_stack.app_settings,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return str(json.loads(done.stdout)["secret"]["secret"]).encode()


def _citizen(host) -> str:
    fiscal_code = random_fiscal_code()
    response = requests.put(
        host.url("/api/v1/citizen/profile"), json={}, headers=citizen_call(fiscal_code), timeout=10
    )
    assert response.status_code == 201, response.text
    return fiscal_code


def _events(received: list[Received], secret: bytes) -> dict[str, dict[str, Any]]:
    """The receiver's view, deduped by event id, after checking every POST's signature."""
    events: dict[str, dict[str, Any]] = {}
    for request in received:
        headers = {name.lower(): value for name, value in request.headers.items()}
        assert verify(secret, headers, request.body, now=int(time.time())), request.headers
        event = json.loads(request.body)
        assert headers["postino-event-id"] == event["id"]
        events[event["id"]] = event
    return events


def _wait_for(receiver: ScriptedServer, secret: bytes, count: int) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(events := _events(list(receiver.received), secret)) < count:
        assert time.monotonic() < deadline, f"{len(events)} of {count} events arrived"
        time.sleep(0.1)
    return events


def _kinds(events: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((event["message_id"], event["type"]) for event in events.values())


def test_processed_and_rejected_events_arrive_signed_once_each_with_nothing_personal(
    offline_host, local_stack, receiver
):
    # GIVEN a service with a callback to a local receiver
    key = register_service(local_stack.settings)
    secret = _with_callback(local_stack, key, receiver.url())
    # WHEN it sends a message to a registered citizen and one to nobody
    delivered = send_message(offline_host, key, _citizen(offline_host), message_body())
    rejected = send_message(offline_host, key, random_fiscal_code(), message_body())
    # THEN the receiver gets one signed event for each, and no other
    events = _wait_for(receiver, secret, 2)
    assert _kinds(events) == sorted(
        [(delivered, "message.processed"), (rejected, "message.rejected")]
    )
    by_message = {event["message_id"]: event for event in events.values()}
    assert by_message[rejected]["reason"] == "USER_NOT_FOUND"
    assert set(by_message[delivered]) == {"id", "type", "occurred_at", "message_id"}
    for request in receiver.received:
        assert FISCAL_CODE.encode() not in request.body
        assert SUBJECT.encode() not in request.body
    # AND each event left its message's outbox once delivered, so no relay sends it again
    for message_id in (delivered, rejected):
        _wait_outbox_empty(local_stack, message_id)
    assert len(receiver.received) == 2


def _wait_outbox_empty(local_stack, message_id: str) -> None:
    stored = build_app(local_stack.settings).messages
    deadline = time.monotonic() + WAIT_SECONDS
    while (message := stored.find(message_id)) is None or message.outbox:
        assert time.monotonic() < deadline, f"message {message_id} still has events"
        time.sleep(0.1)


def test_a_premium_sender_hears_its_advanced_message_received_and_read(
    offline_host, local_stack, receiver
):
    key = register_service(local_stack.settings, tier=Tier.PREMIUM)
    secret = _with_callback(local_stack, key, receiver.url())
    citizen = _citizen(offline_host)
    message_id = send_message(
        offline_host, key, citizen, message_body(feature_level_type="ADVANCED")
    )
    _wait_for(receiver, secret, 1)

    url = offline_host.url(f"/api/v1/citizen/messages/{message_id}")
    opened = requests.get(url, headers=citizen_call(citizen), timeout=10)
    assert opened.status_code == 200, opened.text
    read = requests.patch(url, json={"is_read": True}, headers=citizen_call(citizen), timeout=10)
    assert read.status_code == 200, read.text

    events = _wait_for(receiver, secret, 3)
    assert [kind for _, kind in _kinds(events)] == sorted(
        ["message.processed", "message.received", "message.read"]
    )


def test_a_receiver_answering_500_for_a_while_gets_the_event_later_under_the_same_id(
    offline_host, local_stack, receiver
):
    key = register_service(local_stack.settings)
    secret = _with_callback(local_stack, key, receiver.url())
    receiver.answer(Answer(status=500), Answer(status=503, headers={"Retry-After": "1"}))

    message_id = send_message(offline_host, key, _citizen(offline_host), message_body())

    deadline = time.monotonic() + WAIT_SECONDS
    while len(receiver.received) < 3:
        assert time.monotonic() < deadline, f"{len(receiver.received)} attempts"
        time.sleep(0.1)
    events = _events(list(receiver.received), secret)
    assert _kinds(events) == [(message_id, "message.processed")]
    assert len(receiver.received) == 3


def test_a_refused_event_ends_dead_and_the_cli_replays_it(offline_host, local_stack, receiver):
    # GIVEN a receiver that answers 410 Gone
    key = register_service(local_stack.settings)
    service_id = _service_id(local_stack, key)
    secret = _with_callback(local_stack, key, receiver.url())
    receiver.default = Answer(status=410)
    message_id = send_message(offline_host, key, _citizen(offline_host), message_body())
    # WHEN its event is refused for good
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        listed = run_admin("--json", "events", "dead", service_id, env=local_stack.app_settings)
        assert listed.returncode == 0, listed.stderr
        dead = json.loads(listed.stdout)["dead_events"]
        if dead:
            break
        assert time.monotonic() < deadline, "no dead event"
        time.sleep(0.3)
    # THEN the operator sees it, with why, and no personal data
    (entry,) = dead
    assert (entry["message_id"], entry["type"]) == (message_id, "message.processed")
    assert "410" in entry["last_error"]
    # AND once the receiver works again, a replay delivers it under the same id
    receiver.default = Answer(status=204)
    replayed = run_admin("--json", "events", "replay", service_id, env=local_stack.app_settings)
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout)["summary"]["REPLAYED"] == 1
    deadline = time.monotonic() + WAIT_SECONDS
    while len(receiver.received) < 2:
        assert time.monotonic() < deadline, "the replay was not delivered"
        time.sleep(0.1)
    events = _events(list(receiver.received), secret)
    assert list(events) == [entry["event_id"]]
    listed = run_admin("--json", "events", "dead", service_id, env=local_stack.app_settings)
    assert json.loads(listed.stdout)["dead_events"] == []


def test_a_receiver_that_never_answers_ends_dead_after_the_retry_window_and_replays(
    offline_host, local_stack, receiver
):
    # GIVEN a receiver that accepts the connection and never answers
    key = register_service(local_stack.settings)
    service_id = _service_id(local_stack, key)
    secret = _with_callback(local_stack, key, receiver.url())
    receiver.default = Answer(status=204, delay=60)
    send_message(offline_host, key, _citizen(offline_host), message_body())
    # WHEN the retry window passes, every attempt timing out
    deadline = time.monotonic() + CALLBACK_RETRY + WAIT_SECONDS
    while True:
        listed = run_admin("--json", "events", "dead", service_id, env=local_stack.app_settings)
        dead = json.loads(listed.stdout)["dead_events"]
        if dead:
            break
        assert time.monotonic() < deadline, "the event never went dead"
        time.sleep(0.5)
    # THEN it is dead, having been tried more than once, and a replay delivers it once the
    # receiver answers again
    (entry,) = dead
    assert entry["attempts"] >= 1
    receiver.default = Answer(status=204)
    tried = len(receiver.received)
    replayed = run_admin("--json", "events", "replay", service_id, env=local_stack.app_settings)
    assert json.loads(replayed.stdout)["summary"]["REPLAYED"] == 1
    deadline = time.monotonic() + WAIT_SECONDS
    while entry["event_id"] not in _events(list(receiver.received)[tried:], secret):
        assert time.monotonic() < deadline, "the replay was not delivered"
        time.sleep(0.1)


@pytest.mark.parametrize(
    "url",
    ["http://hooks.example.it/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "https://[::1]/x"],
)
def test_production_settings_refuse_http_loopback_and_private_callback_urls(local_stack, url):
    key = register_service(local_stack.settings)
    production = {**local_stack.app_settings, "CALLBACK_ALLOW_LOOPBACK_HTTP": "false"}

    done = run_admin(
        "service", "callback", "set", _service_id(local_stack, key), "--url", url, env=production
    )

    assert done.returncode == 2, done.stdout + done.stderr


def test_a_premium_sender_hears_once_that_its_notice_was_paid(offline_host, local_stack, receiver):
    # GIVEN a Premium service with a callback, and its ADVANCED message carrying a notice
    organization = "01234567890"
    _, key = premium_service(local_stack.settings, organization)
    secret = _with_callback(local_stack, key, receiver.url())
    notice = notice_number()
    message_id = send(offline_host, key, _citizen(offline_host), notice_message(notice))
    _wait_for(receiver, secret, 1)
    # WHEN the payment platform reports it paid, twice (a retry)
    event = {
        "payee_fiscal_code": organization,
        "notice_number": notice,
        "paid_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    assert report_payment(offline_host, event).status_code == 201
    assert report_payment(offline_host, event).status_code == 200
    # THEN the service hears `message.paid` once
    events = _wait_for(receiver, secret, 2)
    assert _kinds(events) == [(message_id, "message.paid"), (message_id, "message.processed")]
    _wait_outbox_empty(local_stack, message_id)
    assert len(_events(list(receiver.received), secret)) == 2
