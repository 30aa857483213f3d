"""Nothing accepted is lost, over the real host: a message whose processing keeps failing
ends FAILED in the poison queue and is redriven to PROCESSED; a message whose enqueue was
lost is sent again by the sweeper."""

from __future__ import annotations

import time
from typing import Any

import requests

from shared.adapters.queues import poison_queue_name, queue_client
from shared.bootstrap import build_app
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.services.authenticate import authenticate
from shared.services.create_message import create_message
from shared.services.onboarding import register_citizen
from shared.services.redrive import RedriveOutcome, redrive_poisoned
from tests.builders import message_body, message_json, random_fiscal_code
from tests.e2e.conftest import MAX_ATTEMPTS, SWEEP_GRACE, register_service

KEY = "Ocp-Apim-Subscription-Key"
WAIT_SECONDS = 30.0


def _status(host, key: str, location: str) -> dict[str, Any]:
    response = requests.get(host.url(location), headers={KEY: key}, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _wait_for(host, key: str, location: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        body = _status(host, key, location)
        if body["status"] == status:
            return body
        assert time.monotonic() < deadline, f"still {body['status']}, expected {status}"
        time.sleep(0.2)


def _corrupt_profile(local_stack, fiscal_code: str) -> None:
    """A profile document the app cannot read: every processing attempt fails."""
    container = build_app(local_stack.settings).profiles._container  # type: ignore[attr-defined]
    container.upsert_item({"id": fiscal_code, "fiscal_code": fiscal_code, "inbox_enabled": "?"})


def test_a_message_that_keeps_failing_is_failed_poisoned_then_redriven_to_processed(
    offline_host, local_stack
):
    # GIVEN a citizen whose profile cannot be read, and a message to them
    key = register_service(local_stack.settings)
    fiscal_code = random_fiscal_code()
    _corrupt_profile(local_stack, fiscal_code)
    response = requests.post(
        offline_host.url(f"/api/v1/messages/{fiscal_code}"),
        json=message_body(),
        headers={KEY: key},
        timeout=10,
    )
    location = response.headers["Location"]
    message_id = response.json()["id"]
    # WHEN every attempt fails
    _wait_for(offline_host, key, location, "FAILED")
    # THEN it was attempted maxDequeueCount times and its reference is in the poison queue
    app = build_app(local_stack.settings)
    attempts = offline_host.log.read_text().count(f"message {message_id}: ")
    assert attempts >= MAX_ATTEMPTS
    poison = queue_client(
        local_stack.storage,
        poison_queue_name(local_stack.settings.messages_queue),
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while message_id not in [
        MessageRef.from_json(m.content).message_id for m in poison.peek_messages(32)
    ]:
        assert time.monotonic() < deadline, "the reference never reached the poison queue"
        time.sleep(0.2)
    # WHEN the cause is fixed and an operator redrives it
    register_citizen(fiscal_code, profiles=app.profiles)
    results = redrive_poisoned(
        poison=app.poison,
        queue=app.queue,
        messages=app.messages,
        clock=app.clock,
        message_id=message_id,
    )
    assert [r.outcome for r in results] == [RedriveOutcome.REDRIVEN]
    # THEN it ends PROCESSED, with its whole story in the history
    final = _wait_for(offline_host, key, location, "PROCESSED")
    assert final["status"] == "PROCESSED"
    stored = app.messages.get(fiscal_code, message_id)
    assert stored is not None
    assert [c.status for c in stored.status_history] == [
        "ACCEPTED",
        "FAILED",
        "ACCEPTED",
        "PROCESSED",
    ]


class _LostQueue:
    """An enqueue that 'succeeded' but never reached the queue."""

    def send(self, ref: MessageRef) -> None:
        return None

    def oldest_waiting(self) -> None:
        return None


def test_a_message_whose_enqueue_was_lost_is_sent_again_by_the_sweeper(offline_host, local_stack):
    # GIVEN an ACCEPTED message whose reference never reached the queue
    app = build_app(local_stack.settings)
    key = register_service(local_stack.settings)
    fiscal_code = random_fiscal_code()
    register_citizen(fiscal_code, profiles=app.profiles)
    service = authenticate(key, directory=app.directory)
    accepted = create_message(
        service,
        *validate_new_message(fiscal_code, message_json()),
        messages=app.messages,
        queue=_LostQueue(),
        idempotency=app.idempotency,
        attachments=app.attachments,
        clock=app.clock,
    ).message
    location = f"/api/v1/messages/{fiscal_code}/{accepted.id}"
    time.sleep(SWEEP_GRACE + 1.5)
    assert _status(offline_host, key, location)["status"] == "ACCEPTED"
    # WHEN the sweeper runs
    response = offline_host.run_function("SweepAcceptedMessages", {})
    assert response.status_code == 202
    # THEN the message is delivered
    _wait_for(offline_host, key, location, "PROCESSED")
