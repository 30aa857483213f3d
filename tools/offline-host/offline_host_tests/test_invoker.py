"""Invocations sent to the workers: the request built from the trigger, outputs only on
success and off the reader thread, one log line each way, timeouts, draining."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import CancelledError
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from offline_host.function_config import (
    FunctionConfig,
    QueueOutput,
    parse_function_config,
)
from offline_host.host_config import MessageEncoding
from offline_host.invoker import (
    HttpCall,
    InvocationOutcome,
    Invoker,
    TimerFiring,
    TriggerInput,
)
from offline_host.queue_clients import QueueClients
from offline_host.queue_delivery import QueueDelivery
from offline_host.queue_output import QueueOutputSender, queue_payloads
from offline_host.worker.errors import WorkerPoolError
from offline_host.worker.invocation_outcomes import OutputValue
from offline_host.worker.protocol import pb
from offline_host_tests.fake_workers import READER_THREAD, FakeWorkers, failed, succeeded

STORAGE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
QUEUE_TRIGGER = {"type": "queueTrigger", "direction": "in", "name": "msg", "queueName": "work"}
QUEUE_OUT = {"type": "queue", "direction": "out", "name": "outbox", "queueName": "outbox"}
RETURN_QUEUE = {"type": "queue", "direction": "out", "name": "$return", "queueName": "results"}
HTTP_TRIGGER = {"type": "httpTrigger", "direction": "in", "name": "req"}
HTTP_RETURN = {"type": "http", "direction": "out", "name": "$return"}
TIMER = {"type": "timerTrigger", "direction": "in", "name": "timer", "schedule": "0 0 0 1 1 *"}
MESSAGE = QueueDelivery(id="m1", body=b"payload", dequeue_count=2, pop_receipt="receipt")


class RecordingSender(QueueOutputSender):
    """Records what would be sent, and on which thread, instead of talking to storage."""

    def __init__(self) -> None:
        super().__init__(QueueClients(), MessageEncoding.BASE64)
        self.sent: list[tuple[str, OutputValue]] = []
        self.threads: list[str] = []

    def send(self, output: QueueOutput, value: OutputValue) -> None:
        self.sent.append((output.queue_name, value))
        self.threads.append(threading.current_thread().name)


def function(*bindings: dict[str, Any]) -> FunctionConfig:
    return parse_function_config("Fn", Path("/app/Fn"), {"bindings": list(bindings)}, STORAGE)


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def workers() -> FakeWorkers:
    return FakeWorkers()


@pytest.fixture
def invoker(sender: RecordingSender, workers: FakeWorkers) -> Iterator[Invoker]:
    invoker = Invoker(target=workers, output_sender=sender, function_timeout=timedelta(seconds=30))
    yield invoker
    invoker.close()


def run(
    invoker: Invoker, config: FunctionConfig, trigger: TriggerInput = MESSAGE
) -> InvocationOutcome:
    return invoker.submit(config, trigger, "test").result(timeout=10)


def text(value: str) -> pb.TypedData:
    return pb.TypedData(string=value)


def test_success_sends_queue_outputs_off_the_reader_thread_and_logs_start_and_end(
    invoker: Invoker,
    workers: FakeWorkers,
    sender: RecordingSender,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a worker answering with a named output and a return value
    workers.answer = succeeded(("outbox", text("saw payload")), ("$return", text("done")))
    # WHEN a queue function runs
    with caplog.at_level(logging.INFO):
        outcome = run(invoker, function(QUEUE_TRIGGER, QUEUE_OUT, RETURN_QUEUE))
    # THEN it succeeded and both outputs were sent, not from the worker's reader thread
    assert outcome.succeeded
    assert sorted(sender.sent) == [("outbox", "saw payload"), ("results", "done")]
    assert READER_THREAD not in sender.threads
    # AND the log lines carry the id the worker was sent, and no message body
    [request] = workers.requests
    assert outcome.invocation_id == request.invocation_id
    assert f"Executing 'Functions.Fn' (Reason='test', Id={request.invocation_id})" in caplog.text
    assert f"Executed 'Functions.Fn' (Succeeded, Id={request.invocation_id}, Duration=" in (
        caplog.text
    )
    assert "payload" not in caplog.text


def test_the_queue_request_carries_the_message_and_its_metadata(
    invoker: Invoker, workers: FakeWorkers
) -> None:
    run(invoker, function(QUEUE_TRIGGER))
    [request] = workers.requests
    assert request.function_id == "Fn"
    [binding] = request.input_data
    assert (binding.name, binding.data.string) == ("msg", "payload")
    metadata = request.trigger_metadata
    assert metadata["Id"].string == "m1"
    assert metadata["PopReceipt"].string == "receipt"
    assert json.loads(metadata["DequeueCount"].json) == 2


def test_a_binary_queue_trigger_gets_bytes(invoker: Invoker, workers: FakeWorkers) -> None:
    run(invoker, function({**QUEUE_TRIGGER, "dataType": "binary"}))
    assert workers.requests[0].input_data[0].data.bytes == b"payload"


def test_a_timer_request_is_timer_info(invoker: Invoker, workers: FakeWorkers) -> None:
    assert run(invoker, function(TIMER), TimerFiring(past_due=False)).succeeded
    info = json.loads(workers.requests[0].input_data[0].data.json)
    assert info["IsPastDue"] is False


def test_a_trigger_input_of_the_wrong_kind_fails_the_invocation(invoker: Invoker) -> None:
    outcome = run(invoker, function(TIMER), MESSAGE)
    assert not outcome.succeeded
    assert "not triggered by a QueueDelivery" in outcome.error_message


def test_failure_sends_nothing_and_logs_the_workers_message_and_trace(
    invoker: Invoker,
    workers: FakeWorkers,
    sender: RecordingSender,
    caplog: pytest.LogCaptureFixture,
) -> None:
    workers.answer = failed("ValueError: boom", 'File "Fn/__init__.py", line 3, in main')
    with caplog.at_level(logging.INFO):
        outcome = run(invoker, function(QUEUE_TRIGGER, QUEUE_OUT))
    assert not outcome.succeeded
    assert outcome.error_message == "ValueError: boom"
    assert sender.sent == []
    assert f"Executed 'Functions.Fn' (Failed, Id={outcome.invocation_id}" in caplog.text
    assert "Exception while executing function: Functions.Fn: ValueError: boom" in caplog.text
    assert 'File "Fn/__init__.py", line 3, in main' in caplog.text


def test_a_pool_that_cannot_take_the_invocation_fails_it_without_raising(
    sender: RecordingSender,
) -> None:
    class NoWorkers(FakeWorkers):
        def invoke(self, request: pb.InvocationRequest) -> Any:
            raise WorkerPoolError("every worker process has exited")

    invoker = Invoker(target=NoWorkers(), output_sender=sender, function_timeout=None)
    try:
        outcome = run(invoker, function(QUEUE_TRIGGER))
        assert not outcome.succeeded
        assert "every worker process has exited" in outcome.error_message
        assert invoker.wait_idle(1)
    finally:
        invoker.close()


def test_an_output_that_cannot_be_sent_fails_the_invocation(
    invoker: Invoker, workers: FakeWorkers, sender: RecordingSender
) -> None:
    def refuse(output: QueueOutput, value: OutputValue) -> None:
        raise OSError("storage is down")

    sender.send = refuse  # type: ignore[method-assign]
    workers.answer = succeeded(("outbox", text("x")))
    outcome = run(invoker, function(QUEUE_TRIGGER, QUEUE_OUT))
    assert not outcome.succeeded
    assert outcome.error_message == "OSError: storage is down"


def test_invocation_past_the_function_timeout_fails_and_is_logged(
    sender: RecordingSender, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a 0.2 s functionTimeout and a worker that answers after 0.6 s
    workers = FakeWorkers(succeeded(("outbox", text("too late"))))
    workers.release.clear()
    threading.Timer(0.6, workers.release.set).start()
    invoker = Invoker(target=workers, output_sender=sender, function_timeout=timedelta(seconds=0.2))
    try:
        with caplog.at_level(logging.INFO):
            outcome = run(invoker, function(QUEUE_TRIGGER, QUEUE_OUT))
    finally:
        invoker.close()
    # THEN the invocation counts as failed, its output is not sent, and the timeout is logged
    assert not outcome.succeeded
    assert "FunctionTimeoutError" in outcome.error_message
    assert sender.sent == []
    assert "Timeout value of 00:00:00.200 exceeded by function 'Functions.Fn'" in caplog.text


def test_wait_idle_reports_invocations_still_in_flight(
    invoker: Invoker, workers: FakeWorkers
) -> None:
    workers.release.clear()
    invoker.submit(function(QUEUE_TRIGGER), MESSAGE, "test")
    assert not invoker.wait_idle(0.1)
    workers.release.set()
    assert invoker.wait_idle(5)


def test_closed_invoker_refuses_new_invocations(invoker: Invoker) -> None:
    invoker.stop_accepting()
    with pytest.raises(RuntimeError, match="stopping"):
        invoker.submit(function(QUEUE_TRIGGER), MESSAGE, "test")


def test_an_answer_after_close_cancels_the_outcome(invoker: Invoker, workers: FakeWorkers) -> None:
    workers.release.clear()
    future = invoker.submit(function(QUEUE_TRIGGER), MESSAGE, "test")
    invoker.close()
    workers.release.set()
    with pytest.raises(CancelledError):
        future.result(timeout=5)


def test_the_http_request_is_built_as_azures_host_builds_it(
    invoker: Invoker, workers: FakeWorkers
) -> None:
    # GIVEN a chunked POST (no Content-Length) with an empty query value
    call = HttpCall(
        method="post",
        url="http://localhost:7071/api/items?page_size=&a=1",
        headers=(("Transfer-Encoding", "chunked"), ("X-Forwarded-For", "10.0.0.1")),
        body=b"sent in chunks",
        route_params={"id": "7"},
    )
    run(invoker, function(HTTP_TRIGGER, HTTP_RETURN), call)
    http = workers.requests[0].input_data[0].data.http
    # THEN the empty value is dropped, the body is not sent, headers are lower-cased
    assert dict(http.query) == {"a": "1"}
    assert not http.HasField("body")
    assert http.headers["transfer-encoding"] == "chunked"
    assert (http.method, dict(http.params)) == ("POST", {"id": "7"})


def test_queue_output_values_become_message_bodies() -> None:
    assert queue_payloads("one") == [b"one"]
    assert queue_payloads(b"\x00\x01") == [b"\x00\x01"]
    assert queue_payloads(("a", "b")) == [b"a", b"b"]
    assert queue_payloads((b"a", b"b")) == [b"a", b"b"]
    assert queue_payloads('{"json": "text"}') == [b'{"json": "text"}']
