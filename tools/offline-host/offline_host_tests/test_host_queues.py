"""The offline host with queues on Azurite: triggers, outputs, retries, poison (emulators)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import ContainerClient
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from offline_host_tests.running_host import RunningHost, SampleNames, start_host, wait_until

pytestmark = pytest.mark.emulators

MAX_DEQUEUE_COUNT = 3  # tools/offline-host/offline_host_tests/sample_app/host.json


def raw_queue(connection_string: str, name: str) -> QueueClient:
    """A client that shows message text exactly as stored: no encode or decode policy."""
    return QueueClient.from_connection_string(connection_string, name)


def base64_queue(connection_string: str, name: str) -> QueueClient:
    """A client that encodes as app code must under messageEncoding base64."""
    client = QueueClient.from_connection_string(
        connection_string,
        name,
        message_encode_policy=TextBase64EncodePolicy(),
        message_decode_policy=TextBase64DecodePolicy(),
    )
    with contextlib.suppress(ResourceExistsError):
        client.create_queue()
    return client


def peek_texts(client: QueueClient) -> list[str]:
    """The text of up to 32 visible messages; none when the queue does not exist yet."""
    try:
        return [message.content for message in client.peek_messages(max_messages=32)]
    except ResourceNotFoundError:
        return []


def results(connection_string: str, host: RunningHost) -> list[dict[str, Any]]:
    client = base64_queue(connection_string, host.names.results_queue)
    return [json.loads(message.content) for message in client.peek_messages(max_messages=32)]


def result_for(connection_string: str, host: RunningHost, body: str) -> dict[str, Any] | None:
    return next((r for r in results(connection_string, host) if r["body"] == body), None)


def message_count(connection_string: str, name: str) -> int:
    """Visible and invisible messages: zero only once every message was deleted."""
    count = raw_queue(connection_string, name).get_queue_properties().approximate_message_count
    return int(count or 0)


def test_queue_output_lands_base64_encoded(
    sample_host: RunningHost, storage_connection_string: str
) -> None:
    # GIVEN SubmitWork, which puts the request body on the outbox queue
    body = f"outbound {uuid.uuid4()}"
    # WHEN it succeeds
    assert sample_host.request("POST", "/api/work", body=body.encode()).status == 202
    # THEN the stored text is the base64 of the body, not the body
    stored = peek_texts(raw_queue(storage_connection_string, sample_host.names.outbox_queue))
    decoded = [base64.b64decode(text, validate=True).decode() for text in stored]
    assert body in decoded
    assert body not in stored


def test_queue_output_is_not_sent_when_the_function_fails(
    sample_host: RunningHost, storage_connection_string: str
) -> None:
    # GIVEN SubmitWork sets its output and then raises for the body "fail"
    assert sample_host.request("POST", "/api/work", body=b"fail").status == 500
    # THEN nothing reached the outbox
    outbox = base64_queue(storage_connection_string, sample_host.names.outbox_queue)
    assert "fail" not in peek_texts(outbox)


def test_queue_message_is_processed_and_then_deleted(
    sample_host: RunningHost, storage_connection_string: str
) -> None:
    # GIVEN a message sent as app code sends it (base64)
    body = f"work {uuid.uuid4()}"
    work = base64_queue(storage_connection_string, sample_host.names.work_queue)
    sent = work.send_message(body)
    # WHEN the host picks it up THEN RecordWork sees the decoded body and the metadata
    wait_until(lambda: result_for(storage_connection_string, sample_host, body))
    seen = result_for(storage_connection_string, sample_host, body)
    assert seen == {
        "body": body,
        "id": sent.id,
        "dequeue_count": 1,
        "has_pop_receipt": True,
        "has_insertion_time": True,
    }
    # AND the message is deleted from the work queue
    wait_until(lambda: message_count(storage_connection_string, sample_host.names.work_queue) == 0)


def test_failing_message_goes_to_poison_after_exactly_max_dequeue_count_attempts(
    sample_host: RunningHost, storage_connection_string: str
) -> None:
    # GIVEN a message for AlwaysFails, which records every attempt in a blob, then raises
    body = f"doomed {uuid.uuid4()}"
    doomed = base64_queue(storage_connection_string, sample_host.names.doomed_queue)
    sent = doomed.send_message(body)
    poison = raw_queue(storage_connection_string, sample_host.names.doomed_queue + "-poison")
    # WHEN the host has retried it THEN it lands in <queue>-poison, still base64 encoded
    wait_until(lambda: peek_texts(poison), timeout=20)
    assert peek_texts(poison) == [base64.b64encode(body.encode()).decode()]
    # AND it was attempted exactly maxDequeueCount times, with dequeue counts 1..max
    time.sleep(1.0)  # a further, wrong attempt would have time to show up
    container = ContainerClient.from_connection_string(
        storage_connection_string, sample_host.names.blob_container
    )
    attempts = sorted(
        int(blob.name.rsplit("/", 1)[1])
        for blob in container.list_blobs(name_starts_with=f"attempts/{sent.id}/")
    )
    assert attempts == list(range(1, MAX_DEQUEUE_COUNT + 1))
    # AND the original is gone from the trigger queue
    assert message_count(storage_connection_string, sample_host.names.doomed_queue) == 0


def test_message_dequeued_too_often_goes_to_poison_without_invoking(
    storage_connection_string: str, tmp_path: Path
) -> None:
    # GIVEN a message already dequeued more than maxDequeueCount times (say, by a host that
    # crashed while running it), waiting in the queue of a host not yet started
    names = SampleNames.unique()
    doomed = base64_queue(storage_connection_string, names.doomed_queue)
    sent = doomed.send_message("crashed too often")
    for _ in range(MAX_DEQUEUE_COUNT + 1):
        received = next(iter(doomed.receive_messages(max_messages=1)))
        doomed.update_message(received.id, pop_receipt=received.pop_receipt, visibility_timeout=0)
    # WHEN the host starts
    host = start_host(storage_connection_string, tmp_path, names=names)
    try:
        poison = raw_queue(storage_connection_string, names.doomed_queue + "-poison")
        wait_until(lambda: peek_texts(poison), timeout=10)
    finally:
        assert host.stop() == 0
    # THEN it is moved to poison without AlwaysFails ever running
    assert "Executing 'Functions.AlwaysFails'" not in host.log()
    assert f"Moving message {sent.id}" in host.log()
    assert message_count(storage_connection_string, names.doomed_queue) == 0


def test_message_that_is_not_base64_goes_to_poison_without_invoking(
    sample_host: RunningHost, storage_connection_string: str
) -> None:
    # GIVEN a message sent without the base64 encode policy (a classic mistake)
    text = f"plain text {uuid.uuid4()} !"
    with pytest.raises(binascii.Error):
        base64.b64decode(text, validate=True)
    work = base64_queue(storage_connection_string, sample_host.names.work_queue)
    raw_queue(storage_connection_string, sample_host.names.work_queue).send_message(text)
    poison = raw_queue(storage_connection_string, sample_host.names.work_queue + "-poison")
    # THEN it is moved, unchanged, to the poison queue with the reason in the log
    wait_until(lambda: text in peek_texts(poison), timeout=10)
    assert "not valid base64" in sample_host.log()
    assert peek_texts(work) == []


def test_admin_call_runs_a_queue_function_with_the_input_as_body(
    sample_host: RunningHost, storage_connection_string: str
) -> None:
    body = f"admin {uuid.uuid4()}"
    reply = sample_host.admin(
        "POST", "/admin/functions/RecordWork", body=json.dumps({"input": body}).encode()
    )
    assert reply.status == 202
    wait_until(lambda: result_for(storage_connection_string, sample_host, body))
    seen = result_for(storage_connection_string, sample_host, body)
    assert seen is not None
    assert seen["dequeue_count"] == 1


def test_logs_never_contain_request_or_message_bodies(
    sample_host: RunningHost, storage_connection_string: str
) -> None:
    marker = f"PERSONAL-{uuid.uuid4().hex}"
    assert (
        sample_host.request("POST", f"/api/work?who={marker}", body=marker.encode()).status == 202
    )
    base64_queue(storage_connection_string, sample_host.names.work_queue).send_message(marker)
    wait_until(lambda: result_for(storage_connection_string, sample_host, marker))
    assert marker not in sample_host.log()
