"""Each function's `main`, called with trigger objects built from sample events, on the
real emulators: the journey POST -> queue -> ProcessMessage -> GET, and its failures."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import azure.functions as func
import pytest
from azure.functions.queue import QueueMessage
from azure.functions.timer import TimerRequest
from azure.storage.queue import QueueClient
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import CreateMessage
import GetMessageStatus
import ProcessMessage
import ReminderPartition
import ReminderTimer
from shared.adapters.queues import queue_client
from shared.domain.message_rules import validate_new_message
from shared.domain.reminder_schedule import ReminderPartition as PartitionItem
from shared.observability.metrics import recording_on
from tests.builders import FISCAL_CODE
from tests.events import function_context, http_request, load_event

KEY_HEADER = "Ocp-Apim-Subscription-Key"


def _create(key: str, fiscal_code: str = FISCAL_CODE, body: bytes | None = None):
    request = http_request(
        "create_message",
        headers={KEY_HEADER: key},
        body=body,
        substitutions={FISCAL_CODE: fiscal_code},
    )
    return CreateMessage.main(request, function_context("CreateMessage"))


def _get(key: str, message_id: str, fiscal_code: str = FISCAL_CODE) -> func.HttpResponse:
    request = http_request(
        "get_message_status",
        headers={KEY_HEADER: key},
        substitutions={"{id}": message_id, FISCAL_CODE: fiscal_code},
    )
    return GetMessageStatus.main(request, function_context("GetMessageStatus"))


def _take_from_queue(local_stack, message_id: str) -> QueueMessage:
    """Receive the queue message that references `message_id`, as the host would pass it."""
    client = queue_client(local_stack.storage, local_stack.settings.messages_queue)
    for received in client.receive_messages(max_messages=32, visibility_timeout=1):
        if json.loads(received.content)["message_id"] == message_id:
            client.delete_message(received)
            return QueueMessage(id=received.id, body=received.content.encode(), dequeue_count=1)
    raise AssertionError(f"no queue message references {message_id}")


def test_journey_from_post_to_processed(local_stack, sender):
    # GIVEN a registered citizen and a service's key
    # WHEN the service posts a message
    created = _create(sender.key)
    assert created.status_code == 201
    message_id = json.loads(created.get_body())["id"]
    assert created.headers["Location"] == f"/api/v1/messages/{FISCAL_CODE}/{message_id}"
    # THEN it is ACCEPTED until the queue function processes it
    assert json.loads(_get(sender.key, message_id).get_body())["status"] == "ACCEPTED"
    ProcessMessage.main(
        _take_from_queue(local_stack, message_id), function_context("ProcessMessage")
    )
    body = json.loads(_get(sender.key, message_id).get_body())
    assert body["status"] == "PROCESSED"
    assert body["message"]["sender_service_id"] == sender.service_id
    assert body["message"]["content"]["subject"] == "Your identity card is ready"


def test_the_queue_carries_base64_so_the_host_can_decode_it(local_stack, sender):
    # GIVEN a plain client that does NOT decode, reading the raw bytes Azurite stores
    raw_client = QueueClient.from_connection_string(
        local_stack.storage_connection_string, local_stack.settings.messages_queue
    )
    message_id = json.loads(_create(sender.key).get_body())["id"]
    raw = [m.content for m in raw_client.peek_messages(max_messages=32)]
    # THEN our reference is there base64-encoded, as host.json's messageEncoding expects
    decoded = [json.loads(base64.b64decode(text, validate=True)) for text in raw]
    assert {"message_id": message_id, "fiscal_code": FISCAL_CODE} in decoded
    _take_from_queue(local_stack, message_id)


@pytest.mark.parametrize("key", [None, "not-a-key"])
def test_missing_or_unknown_key_gets_a_401_problem(local_stack, key):
    headers = {} if key is None else {KEY_HEADER: key}
    response = CreateMessage.main(
        http_request("create_message", headers=headers), function_context("CreateMessage")
    )
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert json.loads(response.get_body())["status"] == 401


def test_another_service_gets_404_for_a_message_it_did_not_send(local_stack, sender, other_sender):
    message_id = json.loads(_create(sender.key).get_body())["id"]
    response = _get(other_sender.key, message_id)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert _get(sender.key, "01JCZ000000000000000000000").status_code == 404
    assert _get(sender.key, "01JCZ00000000000000000NONE").status_code == 400  # not an id


def test_invalid_body_gets_a_400_problem_naming_every_field(local_stack, sender):
    response = _create(sender.key, body=b'{"content": {"subject": "short"}}')
    assert response.status_code == 400
    problem = json.loads(response.get_body())
    assert sorted(error["pointer"] for error in problem["errors"]) == [
        "/content/markdown",
        "/content/subject",
    ]
    assert problem["instance"] == response.headers["X-Request-Id"]


def test_the_request_id_of_an_answer_is_in_the_log(local_stack, sender, caplog):
    caplog.set_level("INFO")
    created = _create(sender.key)
    invalid = _create(sender.key, body=b"{}")
    message_id = json.loads(created.get_body())["id"]
    created_id = created.headers["X-Request-Id"]
    (finished,) = [
        r for r in caplog.records if hasattr(r, "outcome") and r.__dict__.get("status") == "201"
    ]
    assert (finished.__dict__["request_id"], finished.__dict__["message_id"]) == (
        created_id,
        message_id,
    )
    invalid_id = invalid.headers["X-Request-Id"]
    assert f"request {invalid_id} answered 400" in caplog.text
    assert json.loads(invalid.get_body())["instance"] == invalid_id


def test_an_invocation_logs_its_ids_and_one_finished_line(local_stack, sender, caplog):
    caplog.set_level("INFO")
    context = function_context("CreateMessage")
    created = CreateMessage.main(
        http_request("create_message", headers={KEY_HEADER: sender.key}), context
    )
    message_id = json.loads(created.get_body())["id"]
    ours = [r for r in caplog.records if getattr(r, "invocation_id", None) == context.invocation_id]
    (finished,) = [r for r in ours if hasattr(r, "outcome")]
    expected = {
        "function": "CreateMessage",
        "request_id": created.headers["X-Request-Id"],
        "message_id": message_id,
        "service_id": sender.service_id,
        "outcome": "succeeded",
        "status": "201",
    }
    assert {name: finished.__dict__.get(name) for name in expected} == expected


def test_an_accepted_message_is_counted_with_its_latency(local_stack, sender):
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    with recording_on(provider.get_meter("test")):
        assert _create(sender.key).status_code == 201
        assert _create(sender.key, body=b"{}").status_code == 400
    data = reader.get_metrics_data()
    assert data is not None
    metrics = {
        metric.name: metric.data.data_points[0]
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    assert metrics["messages.accepted"].value == 1  # type: ignore[union-attr]
    assert metrics["messages.accepted"].attributes == {"service.id": sender.service_id}
    latency = metrics["messages.acceptance_latency"]
    assert latency.count == 1  # type: ignore[union-attr]
    assert latency.sum > 0  # type: ignore[union-attr]


def test_non_json_content_type_gets_415(local_stack, sender):
    request = http_request(
        "create_message",
        headers={KEY_HEADER: sender.key, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert CreateMessage.main(request, function_context("CreateMessage")).status_code == 415


def test_malformed_queue_message_raises_so_it_ends_in_the_poison_queue(local_stack):
    with pytest.raises(ValueError, match="not a message reference"):
        ProcessMessage.main(
            QueueMessage(id="x", body=b"not json", dequeue_count=1),
            function_context("ProcessMessage"),
        )


def test_reminder_timer_queues_the_partitions_of_the_schedule(local_stack, caplog):
    caplog.set_level("INFO")
    ReminderTimer.main(TimerRequest(past_due=True), function_context("ReminderTimer"))
    assert "reminder run is late" in caplog.text
    assert "partitions queued" in caplog.text


def test_reminder_partition_works_one_partition(local_stack, caplog):
    caplog.set_level("INFO")
    item = PartitionItem(
        bucket="20260112T11-00",
        hour=datetime(2026, 1, 12, 11, tzinfo=UTC),
        run_at=datetime(2026, 1, 12, 11, 5, tzinfo=UTC),
    )
    ReminderPartition.main(
        QueueMessage(id="p", body=item.model_dump_json().encode(), dequeue_count=1),
        function_context("ReminderPartition"),
    )
    assert "reminder partition 20260112T11-00: 0 looked at" in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"bucket": "../x", "hour": "2026-01-12T11:00:00Z", "run_at": "2026-01-12T11:00:00Z"}',
    ],
)
def test_a_malformed_partition_is_dropped_with_an_error(local_stack, caplog, body):
    ReminderPartition.main(
        QueueMessage(id="bad", body=body, dequeue_count=1), function_context("ReminderPartition")
    )
    assert "queue message bad is not a reminder partition" in caplog.text


def test_create_message_sample_event_is_a_valid_message():
    event = load_event("create_message")
    fiscal_code, _ = validate_new_message(
        event["route_params"]["fiscal_code"], json.dumps(event["body"]).encode()
    )
    assert fiscal_code == FISCAL_CODE
