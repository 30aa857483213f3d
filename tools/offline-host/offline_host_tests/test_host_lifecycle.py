"""The offline host's admin API, timers, and shutdown (emulators needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient

from infra.local.emulators import PROJECT_ROOT
from offline_host_tests.running_host import (
    DORMANT_SCHEDULE,
    FUNCTION_KEY,
    MASTER_KEY,
    SAMPLE_APP,
    Reply,
    RunningHost,
    SampleNames,
    start_host,
    wait_until,
)

pytestmark = pytest.mark.emulators


def ticks(connection_string: str, host: RunningHost) -> list[dict[str, object]]:
    container = ContainerClient.from_connection_string(connection_string, host.names.blob_container)
    try:
        names = [blob.name for blob in container.list_blobs(name_starts_with="ticks/")]
    except ResourceNotFoundError:
        return []
    return [json.loads(container.download_blob(name).readall()) for name in names]


def test_status_answers_running_once_started(sample_host: RunningHost) -> None:
    reply = sample_host.admin("GET", "/admin/host/status")
    assert reply.status == 200
    assert reply.json()["state"] == "Running"


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-functions-key": FUNCTION_KEY}, {"x-functions-key": "not-the-master-key"}],
    ids=["no key", "function key", "wrong key"],
)
def test_admin_calls_from_loopback_need_the_master_key(
    sample_host: RunningHost, headers: dict[str, str]
) -> None:
    # GIVEN a caller on the host's own machine without the master key
    # WHEN it asks for the status or to run a timer THEN both are refused
    assert sample_host.request("GET", "/admin/host/status", headers=headers).status == 401
    run = sample_host.request("POST", "/admin/functions/Tick", body=b"{}", headers=headers)
    assert run.status == 401


def test_the_master_key_is_taken_from_the_query_too(sample_host: RunningHost) -> None:
    assert sample_host.request("GET", f"/admin/host/status?code={MASTER_KEY}").status == 200


def test_admin_call_fires_a_timer_function_now(
    sample_host: RunningHost, storage_connection_string: str
) -> None:
    # GIVEN Tick, whose schedule will not fire during the test
    assert ticks(storage_connection_string, sample_host) == []
    # WHEN the admin API is asked to run it THEN it answers 202 and the timer runs
    reply = sample_host.admin("POST", "/admin/functions/Tick", body=b"{}")
    assert reply.status == 202
    wait_until(lambda: ticks(storage_connection_string, sample_host))
    assert ticks(storage_connection_string, sample_host) == [{"past_due": False}]


def test_admin_call_for_an_unknown_function_is_404(sample_host: RunningHost) -> None:
    assert sample_host.admin("POST", "/admin/functions/NoSuchFunction").status == 404
    assert sample_host.admin("POST", "/admin/functions/BrokenImport").status == 404


def test_admin_call_for_an_http_function_is_400(sample_host: RunningHost) -> None:
    assert sample_host.admin("POST", "/admin/functions/EchoItem").status == 400


def test_admin_call_with_a_body_that_is_not_json_is_400(sample_host: RunningHost) -> None:
    assert sample_host.admin("POST", "/admin/functions/Tick", body=b"{oops").status == 400


def test_timer_fires_on_its_schedule(storage_connection_string: str, tmp_path: Path) -> None:
    # GIVEN a host whose Tick schedule (a %SETTING%) fires every second
    host = start_host(
        storage_connection_string, tmp_path, extra_env={"SAMPLE_SCHEDULE": "* * * * * *"}
    )
    try:
        # THEN it fires repeatedly, never past due
        wait_until(lambda: len(ticks(storage_connection_string, host)) >= 2, timeout=6)
        assert {tick["past_due"] for tick in ticks(storage_connection_string, host)} == {False}
        assert "Reason='Timer fired at" in host.log()
    finally:
        assert host.stop() == 0


def test_sigint_waits_for_invocations_in_flight_and_exits_0(
    storage_connection_string: str, tmp_path: Path
) -> None:
    # GIVEN a host with a one-second request in flight
    host = start_host(storage_connection_string, tmp_path)
    replies: list[Reply] = []
    caller = threading.Thread(
        target=lambda: replies.append(host.request("GET", "/api/slow?seconds=1"))
    )
    caller.start()
    wait_until(lambda: "Executing 'Functions.SlowEcho'" in host.log())
    # WHEN it gets SIGINT
    started = time.monotonic()
    exit_code = host.stop()
    caller.join(timeout=10)
    # THEN the request still gets its answer, the host exits 0, in a few seconds at most
    assert exit_code == 0
    assert [(reply.status, reply.body) for reply in replies] == [(200, b"slept 1.0")]
    assert time.monotonic() - started < 8
    log = host.log()
    assert "Executed 'Functions.SlowEcho' (Succeeded" in log
    assert "Host stopped" in log


def run_host_to_exit(app_root: Path, *arguments: str, env: dict[str, str]) -> tuple[int, str]:
    completed = subprocess.run(
        [sys.executable, "-m", "offline_host", "--app-root", str(app_root), *arguments],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr


def test_strict_mode_refuses_to_run_with_a_function_that_failed_to_load(
    storage_connection_string: str,
) -> None:
    # GIVEN the sample app, whose BrokenImport cannot be imported
    env = {
        "AzureWebJobsStorage": storage_connection_string,
        **SampleNames.unique().settings(),
        "SAMPLE_SCHEDULE": DORMANT_SCHEDULE,
    }
    # WHEN the host runs with --strict THEN it exits 1, naming the function
    code, output = run_host_to_exit(SAMPLE_APP, "--strict", "--port", "0", env=env)
    assert code == 1
    assert "BrokenImport" in output
    assert "Host started" not in output


def test_invalid_host_json_stops_the_start_with_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text('{"version": "2.0", "functionTimeout": "soon"}')
    code, output = run_host_to_exit(tmp_path, "--port", "0", env={})
    assert code == 1
    assert "functionTimeout: 'soon' is not a TimeSpan" in output
