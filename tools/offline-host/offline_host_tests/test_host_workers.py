"""The whole offline host, in this process, running a tiny app in worker processes (no emulator).

The app's HTTP functions come from worker/tiny_app.py beside this file; a queue and a timer function
that only log are added, with a storage connection to a closed port: the queue listener's
polls fail (logged) and nothing reaches any emulator, while the admin API can still run them.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from offline_host.errors import HostConfigError
from offline_host.host import HostOptions, OfflineHost
from offline_host.storage_connection import DEVELOPMENT_STORAGE
from offline_host.worker.worker_pool import PROCESS_COUNT_SETTING
from offline_host_tests.running_host import MASTER_KEY, wait_until
from offline_host_tests.worker.tiny_app import FUNCTIONS, HTTP_OUT, write_tiny_app

# Nothing listens on port 1: queue polls fail fast, and no emulator is touched.
NO_STORAGE = DEVELOPMENT_STORAGE.replace(":10000/", ":1/").replace(":10001/", ":1/")

RECEIVE = """
import logging

import azure.functions as func


def main(msg: func.QueueMessage) -> None:
    logging.getLogger("tiny.receive").warning(
        "received %s, dequeue count %s", msg.get_body().decode(), msg.dequeue_count
    )
"""

TOCK = """
import logging

import azure.functions as func


def main(timer: func.TimerRequest) -> None:
    logging.getLogger("tiny.tock").warning("tock, past due %s", timer.past_due)
"""

QUIET = """
import azure.functions as func


def main(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
    pass
"""

APP: dict[str, tuple[list[dict[str, Any]], str]] = {
    name: FUNCTIONS[name] for name in ("Echo", "AsyncEcho", "Fails", "BrokenLoad")
} | {
    "Receive": (
        [{"type": "queueTrigger", "direction": "in", "name": "msg", "queueName": "tiny-in"}],
        RECEIVE,
    ),
    "Tock": (
        [
            {
                "type": "timerTrigger",
                "direction": "in",
                "name": "timer",
                "schedule": "0 0 0 1 1 *",
            }
        ],
        TOCK,
    ),
    "Quiet": (
        [
            {
                "type": "httpTrigger",
                "direction": "in",
                "name": "req",
                "authLevel": "anonymous",
                "route": "quiet",
            },
            {**HTTP_OUT, "name": "res"},
        ],
        QUIET,
    ),
}


def started_host(root: Path, settings: Mapping[str, str] | None = None) -> OfflineHost:
    environ = {
        **os.environ,
        "AzureWebJobsStorage": NO_STORAGE,
        PROCESS_COUNT_SETTING: "1",
        **(settings or {}),
    }
    host = OfflineHost(HostOptions(app_root=root, port=0), environ)
    host.start()
    return host


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineHost]:
    host = started_host(write_tiny_app(tmp_path_factory.mktemp("tiny-host"), APP))
    yield host
    assert host.stop(5)


def request(
    host: OfflineHost,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def echo(host: OfflineHost, method: str, path: str, **options: Any) -> dict[str, Any]:
    status, _, body = request(host, method, path, **options)
    assert status == 201, body
    document: dict[str, Any] = json.loads(body)
    return document


def test_an_empty_query_value_is_not_a_parameter_the_function_sees(host: OfflineHost) -> None:
    seen = echo(host, "GET", "/api/echo/1?page_size=&a=1&a=2")
    assert seen["params"] == {"a": "1,2"}
    assert seen["url"].endswith("/api/echo/1?page_size=&a=1&a=2")
    assert seen["route_params"] == {"id": "1"}


def test_a_chunked_post_reaches_the_function_with_no_body(host: OfflineHost) -> None:
    # Azure's host gives the worker a body only when Content-Length is above 0.
    connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=30)
    try:
        chunks = iter([b"first,", b"second"])
        connection.request("POST", "/api/echo/2", body=chunks, encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 201
        seen = json.loads(response.read())
    finally:
        connection.close()
    assert seen["body"] == ""
    assert seen["headers"]["transfer-encoding"] == "chunked"


def test_a_post_with_a_content_length_has_its_body_and_the_callers_address(
    host: OfflineHost,
) -> None:
    seen = echo(host, "POST", "/api/echo/3", body=b"hello", headers={"X-Forwarded-For": "10.0.0.1"})
    assert seen["body"] == "hello"
    assert seen["method"] == "POST"
    assert seen["headers"]["x-forwarded-for"] == "10.0.0.1,127.0.0.1"


def test_the_log_lines_carry_the_invocation_id_the_function_sees(
    host: OfflineHost, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        seen = echo(host, "GET", "/api/echo/4")
    invocation_id = seen["invocation_id"]
    assert "Executing 'Functions.Echo' (Reason='This function was programmatically" in caplog.text
    assert f"Executed 'Functions.Echo' (Succeeded, Id={invocation_id}, Duration=" in caplog.text
    # The function's own log record is relayed with its invocation id.
    relayed = [record for record in caplog.records if record.name == "tiny.echo"]
    assert [getattr(record, "invocation_id", None) for record in relayed] == [invocation_id]


def test_the_worker_defaults_the_content_type_of_a_response(host: OfflineHost) -> None:
    status, headers, body = request(host, "POST", "/api/async-echo", body=b"abc")
    assert (status, body) == (200, b"async:abc")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"


def test_an_http_output_left_unset_answers_204(host: OfflineHost) -> None:
    assert request(host, "GET", "/api/quiet")[0] == 204


def test_a_function_that_raises_answers_500_and_logs_why(
    host: OfflineHost, caplog: pytest.LogCaptureFixture
) -> None:
    status, _, body = request(host, "GET", "/api/fails")
    assert (status, body) == (500, b"")
    assert "Executed 'Functions.Fails' (Failed" in caplog.text
    assert "ValueError: the tiny app fails on purpose" in caplog.text


def test_a_function_that_fails_to_load_in_the_worker_is_reported_and_not_served(
    host: OfflineHost,
) -> None:
    assert list(host.load_errors) == ["BrokenLoad"]
    assert "Functions that failed to load (not running):" in host.listing
    assert "\tBrokenLoad: " in host.listing
    status, _, body = request(
        host, "GET", "/admin/host/status", headers={"x-functions-key": MASTER_KEY}
    )
    assert status == 200
    [error] = json.loads(body)["errors"]
    assert error.startswith("BrokenLoad: ")
    assert "request" in error
    assert request(host, "GET", "/api/broken")[0] == 404


def test_the_admin_api_runs_a_queue_function_with_its_input_as_the_message(
    host: OfflineHost, caplog: pytest.LogCaptureFixture
) -> None:
    reply = request(
        host,
        "POST",
        "/admin/functions/receive",
        body=b'{"input": "hello queue"}',
        headers={"x-functions-key": MASTER_KEY},
    )
    assert reply[0] == 202
    wait_until(lambda: "received hello queue, dequeue count 1" in caplog.text)


def test_the_admin_api_runs_a_timer_function_not_past_due(
    host: OfflineHost, caplog: pytest.LogCaptureFixture
) -> None:
    reply = request(
        host, "POST", "/admin/functions/Tock", body=b"{}", headers={"x-functions-key": MASTER_KEY}
    )
    assert reply[0] == 202
    wait_until(lambda: "tock, past due False" in caplog.text)


def test_the_worker_process_count_comes_from_the_app_settings(tmp_path: Path) -> None:
    root = write_tiny_app(tmp_path, {"Echo": FUNCTIONS["Echo"]})
    (root / "local.settings.json").write_text(
        json.dumps({"IsEncrypted": False, "Values": {PROCESS_COUNT_SETTING: "2"}})
    )
    environ_without = {k: v for k, v in os.environ.items() if k != PROCESS_COUNT_SETTING}
    host = OfflineHost(
        HostOptions(app_root=root, port=0), {**environ_without, "AzureWebJobsStorage": NO_STORAGE}
    )
    host.start()
    try:
        pids = {echo(host, "GET", f"/api/echo/{number}")["pid"] for number in range(6)}
    finally:
        assert host.stop(5)
    assert len(pids) == 2


def test_a_bad_worker_process_count_stops_the_start(tmp_path: Path) -> None:
    root = write_tiny_app(tmp_path, {"Echo": FUNCTIONS["Echo"]})
    with pytest.raises(HostConfigError, match="FUNCTIONS_WORKER_PROCESS_COUNT"):
        started_host(root, {PROCESS_COUNT_SETTING: "0"})
