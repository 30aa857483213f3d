"""Worker pools of 1 and 2 processes over a tiny app: load, invoke, logs, failures, shutdown."""

from __future__ import annotations

import json
import logging
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from offline_host.errors import HostConfigError
from offline_host.function_config import FunctionConfig
from offline_host.queue_delivery import QueueDelivery
from offline_host.worker.errors import WorkerExitedError, WorkerPoolError
from offline_host.worker.invocation_outcomes import InvocationOutcome, read_outcome
from offline_host.worker.invocation_requests import (
    http_invocation,
    queue_invocation,
    timer_invocation,
)
from offline_host.worker.protocol import pb
from offline_host.worker.worker_pool import PROCESS_COUNT_SETTING, WorkerPool
from offline_host_tests.worker.tiny_app import SETTINGS, app_metadata, discover, write_tiny_app

TIMEOUT = 60


class TinyApp:
    """A started pool over the tiny app, and helpers to invoke its functions."""

    def __init__(self, root: Path, processes: int) -> None:
        discovery = discover(root, SETTINGS)
        self.functions = {config.name: config for config in discovery.functions}
        environ = {**os.environ, **SETTINGS, PROCESS_COUNT_SETTING: str(processes)}
        self.pool = WorkerPool.start(root, app_metadata(discovery), environ=environ)

    def http(
        self,
        name: str,
        *,
        method: str = "GET",
        path: str = "",
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        route_params: dict[str, str] | None = None,
    ) -> InvocationOutcome:
        config = self.functions[name]
        request = http_invocation(
            function_id=config.name,
            function_name=config.name,
            binding_name=config.trigger.binding_name,
            method=method,
            url=f"http://localhost:7071/api/{path}",
            headers=headers or [("Host", "localhost:7071")],
            body=body,
            route_params=route_params or {},
        )
        return self.outcome(config, request)

    def outcome(self, config: FunctionConfig, request: pb.InvocationRequest) -> InvocationOutcome:
        response = self.pool.invoke(request).result(TIMEOUT)
        return read_outcome(response, http_output=config.http_output)


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyApp]:
    app = TinyApp(write_tiny_app(tmp_path_factory.mktemp("tiny1")), processes=1)
    yield app
    app.pool.close()


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyApp]:
    app = TinyApp(write_tiny_app(tmp_path_factory.mktemp("tiny2")), processes=2)
    yield app
    app.pool.close()


def test_every_function_loads_but_the_one_whose_parameters_do_not_match(
    one_process: TinyApp,
) -> None:
    errors = one_process.pool.load_errors
    assert list(errors) == ["BrokenLoad"]
    assert "cannot load the BrokenLoad function" in errors["BrokenLoad"]
    assert "{'request'}" in errors["BrokenLoad"]


def test_http_echo_answers_with_status_headers_cookie_and_body(one_process: TinyApp) -> None:
    body = b'{"hello": "worker"}'
    outcome = one_process.http(
        "Echo",
        method="post",
        path="echo/7?a=1&a=2&empty=",
        headers=[("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        body=body,
        route_params={"id": "7"},
    )

    assert outcome.succeeded, outcome.error_message
    assert outcome.http is not None
    assert outcome.http.status == 201
    headers = dict(outcome.http.headers)
    assert headers["X-Echo"] == "yes"
    # The library sends an unset domain as "" and the host's CookieOptions writes it.
    assert headers["Set-Cookie"] == "session=abc; domain=; path=/; httponly"
    echoed = json.loads(outcome.http.body)
    assert echoed["method"] == "POST"
    assert echoed["body"] == '{"hello": "worker"}'
    assert echoed["params"] == {"a": "1,2"}
    assert echoed["route_params"] == {"id": "7"}
    assert echoed["headers"]["content-type"] == "application/json"
    assert echoed["greeting"] == "hello from tiny_shared"


def test_the_apps_own_package_is_imported_once_under_its_own_name(one_process: TinyApp) -> None:
    outcome = one_process.http("Echo", path="echo")

    assert outcome.http is not None
    assert json.loads(outcome.http.body)["shared_modules"] == ["tiny_shared"]


def test_an_async_function_answers(one_process: TinyApp) -> None:
    outcome = one_process.http(
        "AsyncEcho", method="POST", headers=[("Content-Length", "2")], body=b"hi"
    )

    assert outcome.http is not None
    assert outcome.http.body == b"async:hi"


def test_the_queue_function_sees_the_trigger_metadata_and_its_output_comes_back_by_name(
    one_process: TinyApp,
) -> None:
    inserted = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    delivery = QueueDelivery(
        id="message-1",
        body=b"payload",
        dequeue_count=3,
        insertion_time=inserted,
        expiration_time=inserted + timedelta(days=7),
        time_next_visible=inserted + timedelta(minutes=10),
        pop_receipt="receipt-1",
    )
    config = one_process.functions["Relay"]
    request = queue_invocation(
        function_id=config.name,
        function_name=config.name,
        binding_name=config.trigger.binding_name,
        delivery=delivery,
    )

    outcome = one_process.outcome(config, request)

    assert outcome.succeeded, outcome.error_message
    assert set(outcome.outputs) == {"outbox"}
    relayed = json.loads(str(outcome.outputs["outbox"]))
    assert relayed == {
        "id": "message-1",
        "body": "payload",
        "dequeue_count": 3,
        "pop_receipt": "receipt-1",
        "insertion_time": "2026-12-03T15:00:00+00:00",
        "expiration_time": "2026-12-10T15:00:00+00:00",
        "next_visible": "2026-12-03T15:10:00+00:00",
    }


@pytest.mark.parametrize("past_due", [True, False])
def test_the_timer_function_sees_past_due(one_process: TinyApp, past_due: bool) -> None:
    config = one_process.functions["Tick"]
    request = timer_invocation(
        function_id=config.name,
        function_name=config.name,
        binding_name=config.trigger.binding_name,
        past_due=past_due,
    )

    outcome = one_process.outcome(config, request)

    assert outcome.succeeded, outcome.error_message
    assert json.loads(str(outcome.outputs["ticks"])) == {"past_due": past_due}


def test_a_function_that_raises_is_a_failure_with_its_message(one_process: TinyApp) -> None:
    outcome = one_process.http("Fails")

    assert not outcome.succeeded
    assert outcome.error_message == "ValueError: the tiny app fails on purpose"
    assert "raise ValueError" in outcome.stack_trace
    assert outcome.http is None


def test_printing_to_stdout_does_not_break_the_frames(one_process: TinyApp) -> None:
    outcome = one_process.http("Chatty")

    assert outcome.http is not None
    assert outcome.http.body == b"still framed"
    # The stream is still in step: the next invocation answers too.
    assert one_process.http("Echo", path="echo").succeeded


def test_logs_reach_the_hosts_logging_with_level_category_and_invocation_id(
    one_process: TinyApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    outcome = one_process.http("Echo", path="echo/42", route_params={"id": "42"})
    async_outcome = one_process.http("AsyncEcho")
    # No wait needed: a worker writes an invocation's logs before its answer, in one stream.

    echo_logs = [r for r in caplog.records if r.name == "tiny.echo"]
    assert [r.getMessage() for r in echo_logs] == ["echo of 42"]
    assert echo_logs[0].levelno == logging.INFO
    assert echo_logs[0].invocation_id == outcome.invocation_id  # type: ignore[attr-defined]
    assert echo_logs[0].rpc_log_category == "User"  # type: ignore[attr-defined]
    async_logs = [r for r in caplog.records if r.name == "tiny.async"]
    assert [r.levelno for r in async_logs] == [logging.WARNING]
    assert async_logs[0].invocation_id == async_outcome.invocation_id  # type: ignore[attr-defined]


def test_a_relayed_log_is_not_dropped_by_the_level_of_the_hosts_logger(
    one_process: TinyApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    host_logger = logging.getLogger("tiny.echo")
    host_logger.setLevel(logging.ERROR)
    try:
        one_process.http("Echo", path="echo/5", route_params={"id": "5"})
    finally:
        host_logger.setLevel(logging.NOTSET)

    assert [r.getMessage() for r in caplog.records if r.name == "tiny.echo"] == ["echo of 5"]


def test_concurrent_invocations_from_many_threads_all_answer(one_process: TinyApp) -> None:
    with ThreadPoolExecutor(max_workers=8) as threads:
        outcomes = list(threads.map(lambda _: one_process.http("Echo", path="echo"), range(64)))

    assert all(outcome.succeeded for outcome in outcomes)
    assert len({outcome.invocation_id for outcome in outcomes}) == 64


def test_two_processes_both_receive_work(two_processes: TinyApp) -> None:
    pids = set()
    for _ in range(6):
        outcome = two_processes.http("Echo", path="echo")
        assert outcome.http is not None
        pids.add(json.loads(outcome.http.body)["pid"])

    assert len(two_processes.pool.process_ids) == 2
    assert pids == set(two_processes.pool.process_ids)
    assert list(two_processes.pool.load_errors) == ["BrokenLoad"]


def test_a_dead_worker_fails_its_invocation_and_the_pool_then_refuses(tmp_path: Path) -> None:
    app = TinyApp(write_tiny_app(tmp_path), processes=1)
    try:
        with pytest.raises(WorkerExitedError, match=r"exited \(exit code 3\)"):
            app.http("Dies")
        with pytest.raises(WorkerPoolError, match="every worker process has exited"):
            app.http("Echo", path="echo")
    finally:
        app.pool.close()


def test_ctrl_c_leaves_the_workers_to_the_host(one_process: TinyApp) -> None:
    (pid,) = one_process.pool.process_ids
    status = Path(f"/proc/{pid}/status")
    if status.is_file():  # Linux: the signal mask says SIGINT is ignored, no race involved
        fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines())
        assert int(fields["SigIgn"], 16) & (1 << (signal.SIGINT - 1))

    os.kill(pid, signal.SIGINT)

    assert one_process.http("Echo", path="echo").succeeded


def test_shutdown_leaves_no_worker_process(tmp_path: Path) -> None:
    app = TinyApp(write_tiny_app(tmp_path), processes=2)
    pids = app.pool.process_ids
    assert app.http("Echo", path="echo").succeeded

    app.pool.close()

    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(WorkerPoolError, match="closed"):
        app.http("Echo", path="echo")


@pytest.mark.parametrize("count", ["0", "11", "two", "-1"])
def test_a_process_count_outside_1_to_10_is_refused(tmp_path: Path, count: str) -> None:
    environ = {**os.environ, PROCESS_COUNT_SETTING: count}
    with pytest.raises(HostConfigError, match=PROCESS_COUNT_SETTING):
        WorkerPool.start(tmp_path, [], environ=environ)
