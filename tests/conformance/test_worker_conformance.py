"""Conformance: Postino's functions, loaded by Microsoft's v1 worker library in a worker
process and invoked as Azure's host invokes them, give the answers the e2e suite expects for
the sample events of tests/events/, on the emulators: a citizen registers, a service sends,
ProcessMessage decides from the queue, the citizen reads, the service lists, the payment
platform reports, and the timers run."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from offline_host.function_config import FunctionConfig, HttpTrigger, QueueTrigger
from offline_host.queue_delivery import QueueDelivery
from offline_host.worker.invocation_outcomes import InvocationOutcome, read_outcome
from offline_host.worker.invocation_requests import (
    http_invocation,
    queue_invocation,
    timer_invocation,
)
from offline_host.worker.worker_pool import PROCESS_COUNT_SETTING, WorkerPool
from shared.adapters.queues import queue_client
from shared.domain.reminder_schedule import ReminderPartition, bucket_hour, bucket_id
from shared.storage_layout import QueueName
from tests.builders import random_fiscal_code
from tests.conformance.app_in_worker import APP_ROOT, app_metadata, discover
from tests.e2e.conftest import register_service
from tests.events import load_event

pytestmark = pytest.mark.emulators

KEY_HEADER = "Ocp-Apim-Subscription-Key"
SAMPLE_FISCAL_CODE = "RSSMRA80A01H501U"
SAMPLE_NOTICE = "012345678901234567"


@dataclass
class AppInWorker:
    """The app's functions in a one-process worker pool, called as the host calls them."""

    pool: WorkerPool
    functions: dict[str, FunctionConfig]

    def http(
        self, name: str, event: str, substitutions: dict[str, str], headers: dict[str, str]
    ) -> InvocationOutcome:
        sample = load_event(event)
        text = json.dumps(sample)
        for placeholder, value in substitutions.items():
            text = text.replace(placeholder, value)
        resolved: dict[str, Any] = json.loads(text)
        body = b"" if resolved["body"] is None else json.dumps(resolved["body"]).encode()
        sent_headers = {**resolved["headers"], **headers}
        if body:
            sent_headers["Content-Length"] = str(len(body))
        config = self.functions[name]
        assert isinstance(config.trigger, HttpTrigger)
        request = http_invocation(
            function_id=name,
            function_name=name,
            binding_name=config.trigger.binding_name,
            method=resolved["method"],
            url=resolved["url"],
            headers=sent_headers.items(),
            body=body,
            route_params=resolved["route_params"],
        )
        return self._outcome(name, request)

    def queue(self, name: str, delivery: QueueDelivery) -> InvocationOutcome:
        config = self.functions[name]
        assert isinstance(config.trigger, QueueTrigger)
        request = queue_invocation(
            function_id=name,
            function_name=name,
            binding_name=config.trigger.binding_name,
            delivery=delivery,
        )
        return self._outcome(name, request)

    def timer(self, name: str) -> InvocationOutcome:
        config = self.functions[name]
        request = timer_invocation(
            function_id=name,
            function_name=name,
            binding_name=config.trigger.binding_name,
            past_due=False,
        )
        return self._outcome(name, request)

    def _outcome(self, name: str, request: Any) -> InvocationOutcome:
        response = self.pool.invoke(request).result(timeout=60)
        outcome = read_outcome(response, http_output=self.functions[name].http_output)
        assert outcome.succeeded, outcome.error_message
        return outcome


@pytest.fixture(scope="module")
def app(local_stack) -> Iterator[AppInWorker]:
    discovery = discover(local_stack.app_settings)
    assert not discovery.errors
    environ = {**os.environ, **local_stack.app_settings, PROCESS_COUNT_SETTING: "1"}
    with WorkerPool.start(APP_ROOT, app_metadata(discovery), environ=environ) as pool:
        assert pool.load_errors == {}
        yield AppInWorker(pool, {config.name: config for config in discovery.functions})


def _status(outcome: InvocationOutcome) -> int:
    assert outcome.http is not None
    return outcome.http.status


def _json(outcome: InvocationOutcome) -> Any:
    assert outcome.http is not None
    return json.loads(outcome.http.body)


def _queued_reference(local_stack, message_id: str) -> QueueDelivery:
    """The messages queue's reference to `message_id`, taken off the queue as the host takes
    it, decoded as host.json's base64 messageEncoding says."""
    client = queue_client(local_stack.storage, local_stack.settings.messages_queue)
    for received in client.receive_messages(max_messages=32, visibility_timeout=5):
        if json.loads(received.content)["message_id"] == message_id:
            client.delete_message(received)
            return QueueDelivery(
                id=received.id,
                body=received.content.encode(),
                dequeue_count=received.dequeue_count or 1,
                insertion_time=received.inserted_on,
                expiration_time=received.expires_on,
                time_next_visible=received.next_visible_on,
                pop_receipt=received.pop_receipt,
            )
    raise AssertionError(f"no queue message references {message_id}")


def _a_reminder_partition(local_stack) -> QueueDelivery:
    """A work item off the reminder partitions queue, as the host takes it (one made as
    ReminderTimer makes them when the schedule had nothing open)."""
    client = queue_client(local_stack.storage, QueueName.REMINDER_PARTITIONS)
    for received in client.receive_messages(max_messages=1, visibility_timeout=5):
        client.delete_message(received)
        return QueueDelivery(
            id=received.id,
            body=received.content.encode(),
            dequeue_count=received.dequeue_count or 1,
            insertion_time=received.inserted_on,
            expiration_time=received.expires_on,
            time_next_visible=received.next_visible_on,
            pop_receipt=received.pop_receipt,
        )
    now = datetime.now(UTC)
    item = ReminderPartition(bucket=bucket_id(now, 0), hour=bucket_hour(now), run_at=now)
    return QueueDelivery(id="made", body=item.model_dump_json().encode(), dequeue_count=1)


def test_the_sample_events_give_the_answers_the_e2e_suite_expects(app, local_stack):
    citizen = random_fiscal_code()
    as_citizen = {SAMPLE_FISCAL_CODE: citizen}
    # A citizen registers through the citizen app, and reads the profile back.
    assert _status(app.http("CitizenProfile", "put_citizen_profile", as_citizen, {})) == 201
    profile = app.http("CitizenProfile", "get_citizen_profile", as_citizen, {})
    assert _status(profile) == 200
    # A service sends them a message: accepted, then decided by ProcessMessage from the queue.
    key = register_service(local_stack.settings)
    as_service = {KEY_HEADER: key}
    created = app.http("CreateMessage", "create_message", as_citizen, as_service)
    assert _status(created) == 201, created.http
    message_id = _json(created)["id"]
    with_id = {**as_citizen, "{id}": message_id}
    status = app.http("GetMessageStatus", "get_message_status", with_id, as_service)
    assert _json(status)["status"] == "ACCEPTED"
    app.queue("ProcessMessage", _queued_reference(local_stack, message_id))
    status = app.http("GetMessageStatus", "get_message_status", with_id, as_service)
    assert _json(status)["status"] == "PROCESSED"
    # The citizen finds it in the inbox, opens it and marks it read.
    inbox = app.http("CitizenInbox", "citizen_inbox", as_citizen, {})
    assert message_id in json.dumps(_json(inbox))
    assert _status(app.http("CitizenMessage", "citizen_message", with_id, {})) == 200
    assert _status(app.http("CitizenMessage", "citizen_message_read", with_id, {})) == 200
    # The service lists its processed messages.
    listed = app.http("ListMessages", "list_messages", {}, as_service)
    assert [item["id"] for item in _json(listed)["items"]] == [message_id]
    # The payment platform reports a payment (a notice of this run only).
    notice = {SAMPLE_NOTICE: f"0{uuid.uuid4().int % 10**17:017d}"}
    assert _status(app.http("PaymentEvents", "payment_event", notice, {})) == 201
    # The timers run; a partition the reminder timer queued is worked.
    app.timer("ReminderTimer")
    app.queue("ReminderPartition", _a_reminder_partition(local_stack))
    app.timer("SweepAcceptedMessages")


def test_a_message_to_a_citizen_who_never_registered_ends_rejected(app, local_stack):
    key = register_service(local_stack.settings)
    unknown = {SAMPLE_FISCAL_CODE: random_fiscal_code()}
    created = app.http("CreateMessage", "create_message", unknown, {KEY_HEADER: key})
    message_id = _json(created)["id"]
    # The queue holds base64 (host.json's messageEncoding): the host decodes it, and the
    # function gets the text with its metadata (DequeueCount, Id, times, PopReceipt).
    app.queue("ProcessMessage", _queued_reference(local_stack, message_id))
    status = app.http(
        "GetMessageStatus", "get_message_status", {**unknown, "{id}": message_id}, {KEY_HEADER: key}
    )
    assert (_json(status)["status"], _json(status)["rejection_reason"]) == (
        "REJECTED",
        "USER_NOT_FOUND",
    )
