"""Invocations: arguments in, outputs out, outputs only on success, one log line each way."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from infra.local.offline_host.errors import FunctionTimeoutError, HostConfigError
from infra.local.offline_host.function_config import QueueOutput, parse_function_config
from infra.local.offline_host.function_loader import LoadedFunction
from infra.local.offline_host.host_config import MessageEncoding
from infra.local.offline_host.invoker import InvocationOutcome, Invoker, thread_count
from infra.local.offline_host.parameter_binding import plan_parameters
from infra.local.offline_host.queue_clients import QueueClients
from infra.local.offline_host.queue_delivery import QueueDelivery
from infra.local.offline_host.queue_output import QueueOutputSender

STORAGE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
QUEUE_TRIGGER = {"type": "queueTrigger", "direction": "in", "name": "msg", "queueName": "work"}
QUEUE_OUT = {"type": "queue", "direction": "out", "name": "outbox", "queueName": "outbox"}
RETURN_QUEUE = {"type": "queue", "direction": "out", "name": "$return", "queueName": "results"}
HTTP_TRIGGER = {"type": "httpTrigger", "direction": "in", "name": "req"}
HTTP_RETURN = {"type": "http", "direction": "out", "name": "$return"}
MESSAGE = QueueDelivery(id="m1", body=b"payload", dequeue_count=1)


class RecordingSender(QueueOutputSender):
    """Records what would be sent instead of talking to storage."""

    def __init__(self) -> None:
        super().__init__(QueueClients(), MessageEncoding.BASE64)
        self.sent: list[tuple[str, object]] = []

    def send(self, output: QueueOutput, value: object) -> None:
        self.sent.append((output.queue_name, value))


def loaded(entry: Callable[..., Any], *bindings: dict[str, Any]) -> LoadedFunction:
    config = parse_function_config("Fn", Path("/app/Fn"), {"bindings": list(bindings)}, STORAGE)
    return LoadedFunction(
        config, entry, asyncio.iscoroutinefunction(entry), plan_parameters(config, entry)
    )


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def invoker(sender: RecordingSender) -> Iterator[Invoker]:
    invoker = Invoker(threads=2, output_sender=sender, function_timeout=timedelta(seconds=30))
    yield invoker
    invoker.close()


def run(invoker: Invoker, function: LoadedFunction, trigger: object = MESSAGE) -> InvocationOutcome:
    return invoker.submit(function, trigger, "test").result(timeout=10)


def test_successful_invocation_sends_its_queue_outputs_and_logs_start_and_end(
    invoker: Invoker, sender: RecordingSender, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a function that sets an output and returns a value
    def main(msg: str, outbox: func.Out[str]) -> str:
        outbox.set(f"saw {msg}")
        return "done"

    function = loaded(main, QUEUE_TRIGGER, QUEUE_OUT, RETURN_QUEUE)
    # WHEN it runs
    with caplog.at_level(logging.INFO):
        outcome = run(invoker, function)
    # THEN it succeeded and both outputs were sent
    assert outcome.succeeded
    assert sender.sent == [("outbox", "saw payload"), ("results", "done")]
    # AND the log has the start and end lines, with the same id, and no message body
    assert f"Executing 'Functions.Fn' (Reason='test', Id={outcome.invocation_id})" in caplog.text
    assert (
        f"Executed 'Functions.Fn' (Succeeded, Id={outcome.invocation_id}, Duration=" in caplog.text
    )
    assert "payload" not in caplog.text


def test_failed_invocation_sends_nothing_and_logs_the_traceback(
    invoker: Invoker, sender: RecordingSender, caplog: pytest.LogCaptureFixture
) -> None:
    def main(msg: str, outbox: func.Out[str]) -> None:
        outbox.set("never sent")
        raise ValueError("boom")

    with caplog.at_level(logging.INFO):
        outcome = run(invoker, loaded(main, QUEUE_TRIGGER, QUEUE_OUT))
    assert not outcome.succeeded
    assert isinstance(outcome.error, ValueError)
    assert sender.sent == []
    assert f"Executed 'Functions.Fn' (Failed, Id={outcome.invocation_id}" in caplog.text
    assert "Traceback" in caplog.text
    assert "ValueError: boom" in caplog.text


def test_async_function_runs_on_the_event_loop(invoker: Invoker) -> None:
    async def main(msg: str) -> str:
        await asyncio.sleep(0)
        return msg.upper()

    outcome = run(invoker, loaded(main, QUEUE_TRIGGER, RETURN_QUEUE))
    assert outcome.succeeded
    assert outcome.outputs["$return"] == "PAYLOAD"


def test_sync_functions_run_concurrently_on_the_thread_pool(invoker: Invoker) -> None:
    # GIVEN two invocations that each wait for the other to start
    barrier = threading.Barrier(2, timeout=5)

    def main(msg: str) -> None:
        barrier.wait()

    function = loaded(main, QUEUE_TRIGGER)
    futures = [invoker.submit(function, MESSAGE, "test") for _ in range(2)]
    # THEN both complete (with one thread they would deadlock on the barrier)
    assert all(future.result(timeout=10).succeeded for future in futures)


def test_returning_a_value_without_a_return_binding_fails(invoker: Invoker) -> None:
    def main(msg: str) -> str:
        return "lost"

    outcome = run(invoker, loaded(main, QUEUE_TRIGGER))
    assert not outcome.succeeded
    assert "no $return" in str(outcome.error)


def test_returning_none_for_an_http_return_binding_fails(invoker: Invoker) -> None:
    def main(req: func.HttpRequest) -> None:
        return None

    request = func.HttpRequest("GET", "http://localhost/api/Fn", body=b"")
    outcome = run(invoker, loaded(main, HTTP_TRIGGER, HTTP_RETURN), request)
    assert not outcome.succeeded


def test_invocation_past_the_function_timeout_fails_and_is_logged(
    sender: RecordingSender, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a 0.2 s functionTimeout and a function that takes 0.6 s
    invoker = Invoker(threads=1, output_sender=sender, function_timeout=timedelta(seconds=0.2))

    def main(msg: str, outbox: func.Out[str]) -> None:
        time.sleep(0.6)
        outbox.set("too late")

    try:
        with caplog.at_level(logging.INFO):
            outcome = run(invoker, loaded(main, QUEUE_TRIGGER, QUEUE_OUT))
    finally:
        invoker.close()
    # THEN the invocation counts as failed, its output is not sent, and the timeout is logged
    assert isinstance(outcome.error, FunctionTimeoutError)
    assert sender.sent == []
    assert "Timeout value of 00:00:00.200 exceeded by function 'Functions.Fn'" in caplog.text


def test_wait_idle_reports_invocations_still_in_flight(invoker: Invoker) -> None:
    release = threading.Event()

    def main(msg: str) -> None:
        release.wait(5)

    invoker.submit(loaded(main, QUEUE_TRIGGER), MESSAGE, "test")
    assert not invoker.wait_idle(0.1)
    release.set()
    assert invoker.wait_idle(5)


def test_closed_invoker_refuses_new_invocations(invoker: Invoker) -> None:
    def main(msg: str) -> None: ...

    invoker.stop_accepting()
    with pytest.raises(RuntimeError, match="stopping"):
        invoker.submit(loaded(main, QUEUE_TRIGGER), MESSAGE, "test")


def test_thread_count_comes_from_the_worker_setting() -> None:
    assert thread_count({"PYTHON_THREADPOOL_THREAD_COUNT": "3"}) == 3
    assert 5 <= thread_count({}) <= 32
    with pytest.raises(HostConfigError, match="1 to 32"):
        thread_count({"PYTHON_THREADPOOL_THREAD_COUNT": "0"})
