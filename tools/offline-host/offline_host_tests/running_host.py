"""Run the sample app under the offline host, as a separate process, against Azurite."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.emulators import PROJECT_ROOT, free_port

SAMPLE_APP = Path(__file__).parent / "sample_app"
# Never fires during a test run: timers are fired through the admin API instead.
DORMANT_SCHEDULE = "0 0 0 1 1 *"
START_TIMEOUT_SECONDS = 30.0
FUNCTION_KEY = "local-function-key"
MASTER_KEY = "local-master-key"
ADMIN_HEADERS = {"x-functions-key": MASTER_KEY}


@dataclass(frozen=True)
class SampleNames:
    """Queue and container names of one host run, so runs never share messages."""

    work_queue: str
    results_queue: str
    doomed_queue: str
    outbox_queue: str
    blob_container: str

    @classmethod
    def unique(cls) -> SampleNames:
        suffix = uuid.uuid4().hex[:10]
        return cls(
            work_queue=f"work-{suffix}",
            results_queue=f"results-{suffix}",
            doomed_queue=f"doomed-{suffix}",
            outbox_queue=f"outbox-{suffix}",
            blob_container=f"records-{suffix}",
        )

    def settings(self) -> dict[str, str]:
        return {
            "SAMPLE_WORK_QUEUE": self.work_queue,
            "SAMPLE_RESULTS_QUEUE": self.results_queue,
            "SAMPLE_DOOMED_QUEUE": self.doomed_queue,
            "SAMPLE_OUTBOX_QUEUE": self.outbox_queue,
            "SAMPLE_BLOB_CONTAINER": self.blob_container,
        }


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RunningHost:
    """A host process serving the sample app; its stdout goes to ``log_path``."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    names: SampleNames

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def admin(self, method: str, path: str, body: bytes | None = None) -> Reply:
        """A call to the admin API (`/admin/...`), with the master key it asks for."""
        return self.request(method, path, body=body, headers=ADMIN_HEADERS)

    def stop(self, timeout: float = 20.0) -> int:
        """Send SIGINT, as Ctrl-C does, and return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        return self.process.returncode


def start_host(
    storage_connection_string: str,
    workdir: Path,
    extra_env: Mapping[str, str] | None = None,
    names: SampleNames | None = None,
) -> RunningHost:
    """Start the offline host on the sample app and wait for ``Host started``."""
    names = names or SampleNames.unique()
    port = free_port()
    env = {
        **os.environ,
        "AzureWebJobsStorage": storage_connection_string,
        "SAMPLE_SCHEDULE": DORMANT_SCHEDULE,
        **names.settings(),
        **(extra_env or {}),
    }
    log_path = workdir / f"host-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "offline_host",
                "--app-root",
                str(SAMPLE_APP),
                "--port",
                str(port),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    host = RunningHost(process, port, log_path, names)
    try:
        wait_until(lambda: _started(host), timeout=START_TIMEOUT_SECONDS)
    except TimeoutError:
        host.stop()
        raise RuntimeError(f"the offline host did not start:\n{host.log()}") from None
    return host


def _started(host: RunningHost) -> bool:
    if host.process.poll() is not None:
        raise RuntimeError(f"the offline host exited with {host.process.returncode}:\n{host.log()}")
    return "Host started" in host.log()


def wait_until(
    condition: Callable[[], object], *, timeout: float = 10.0, interval: float = 0.05
) -> None:
    """Poll ``condition`` until it is truthy; raises TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(interval)
