"""The function app served by the offline host over HTTP, on the emulators.

Package-scoped: the host runs while tests/e2e runs, and stops before other packages, so
it never consumes queue messages that function-level tests expect to find. When the
package ends, its logs are checked for personal data and secrets (log_privacy.py).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local.emulators import PROJECT_ROOT, free_port
from infra.local.host_process import (
    HostStartError,
    admin_headers,
    host_command,
    stop_host,
    wait_for_host,
)
from shared.bootstrap import build_app
from shared.domain.api_keys import ApiKeyRecord, KeySlot, generate_api_key, hash_api_key
from shared.domain.service import Service
from tests.e2e.log_privacy import SENT, CapturedLines, app_source_text, findings

INSTITUTION_KEY_HEADER = "Ocp-Apim-Subscription-Key"
# The internal API's consumers' local tokens (local.settings.sample.json).
CITIZEN_BACKEND_TOKEN = "local-citizen-backend-token"
PAYMENT_PLATFORM = {"Authorization": "Bearer local-payment-platform-token"}
CACHE_TTL = 2
MAX_ATTEMPTS = 3
SWEEP_GRACE = 2
# How long a sent message may take to be delivered.
SETTLE_TIMEOUT_SECONDS = 15.0
# Download links expire fast enough for a test to see one refused.
ATTACHMENT_LINK_SECONDS = 4
EVENT_RELAY_GRACE = 2
CALLBACK_RETRY = 10
# Settings of the e2e host that make slow paths fast enough to test.
E2E_SETTINGS = {
    # A revoked key stops working within a test's patience.
    "SERVICE_CACHE_TTL_SECONDS": str(CACHE_TTL),
    # Retries come back at once, and give up after three attempts.
    "AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:00",
    "AzureFunctionsJobHost__extensions__queues__maxDequeueCount": str(MAX_ATTEMPTS),
    # The sweeper runs only when a test calls it, and takes messages left 2 s.
    "SWEEPER_SCHEDULE": "0 0 0 1 1 *",
    "ACCEPTED_GRACE_SECONDS": str(SWEEP_GRACE),
    "ATTACHMENT_LINK_SECONDS": str(ATTACHMENT_LINK_SECONDS),
    # Reminders run only when a test calls ReminderTimer, and at any hour of the day.
    "REMINDER_SCHEDULE": "0 0 0 1 1 *",
    "REMINDER_QUIET_HOURS": "00:00-00:00",
    # Events: relayed 2 s after they are due, retried from 1 s, given up on after 10 s.
    "EVENT_RELAY_GRACE_SECONDS": str(EVENT_RELAY_GRACE),
    "EVENT_FIRST_RETRY_SECONDS": "1",
    "CALLBACK_RETRY_SECONDS": str(CALLBACK_RETRY),
}


@dataclass(frozen=True)
class RunningHost:
    base_url: str
    log: Path
    # The master key header the host's admin endpoints ask for, from loopback too.
    admin_headers: dict[str, str]

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def run_function(self, name: str, document: dict[str, Any]) -> requests.Response:
        """Run a timer or queue function now (`POST /admin/functions/{name}`): 202."""
        return requests.post(
            self.url(f"/admin/functions/{name}"),
            json=document,
            headers=self.admin_headers,
            timeout=10,
        )

    def run_function_to_end(
        self, name: str, document: dict[str, Any], timeout: float = 30.0
    ) -> None:
        """Run `name` now and wait for the host's line saying that run ended: it must have
        succeeded. (A wait on the run itself, not on a guess of how long it takes.)"""
        ended = f"Executed 'Functions.{name}' ("
        before = self.log.read_text(encoding="utf-8", errors="replace").count(ended)
        response = self.run_function(name, document)
        assert response.status_code == 202, response.text
        deadline = time.monotonic() + timeout
        while True:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            runs = text.split(ended)[1:]
            if len(runs) > before:
                assert runs[before].startswith("Succeeded"), text[-3000:]
                return
            assert time.monotonic() < deadline, text[-3000:]
            time.sleep(0.05)


@pytest.fixture(scope="package", autouse=True)
def logs_stay_private() -> Iterator[list[Path]]:
    """Record what the tests send; once the package is done (and the host stopped), fail
    if any fiscal code, API key, subject, Markdown or attachment name is in a log.

    Yields the list the host fixture adds its log file to.
    """
    SENT.kinds.clear()
    captured = CapturedLines()
    root, app_loggers = logging.getLogger(), [logging.getLogger(n) for n in ("shared", "infra")]
    levels = [logger.level for logger in app_loggers]
    real_send = requests.Session.send

    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        SENT.add_request(request)
        return real_send(self, request, **kwargs)

    host_logs: list[Path] = []
    root.addHandler(captured)
    for logger in app_loggers:
        logger.setLevel(logging.DEBUG)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(requests.Session, "send", send)
            yield host_logs
    finally:
        root.removeHandler(captured)
        for logger, level in zip(app_loggers, levels, strict=True):
            logger.setLevel(level)
    private = SENT.outside(app_source_text())
    found = findings("test process", "\n".join(captured.lines), private)
    for log in host_logs:
        found += findings(log.name, log.read_text(encoding="utf-8", errors="replace"), private)
    assert not found, "private data in the logs:\n" + "\n".join(found[:50])
    assert all(log.stat().st_size for log in host_logs), "a host log is empty: nothing to check"


@pytest.fixture(scope="package")
def offline_host(local_stack, tmp_path_factory, logs_stay_private) -> Iterator[RunningHost]:
    port = free_port()
    log = Path(tmp_path_factory.mktemp("host")) / "host.log"
    logs_stay_private.append(log)
    env = {**os.environ, **local_stack.app_settings, **E2E_SETTINGS}
    with log.open("wb") as out:
        process = subprocess.Popen(
            host_command(port, use_func=False, strict=True),
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_host(process, port, environ=env)
        except HostStartError as exc:
            raise RuntimeError(f"{exc}:\n{log.read_text()}") from exc
        yield RunningHost(base_url=base_url, log=log, admin_headers=admin_headers(env))
    finally:
        stop_host(process)


def run_admin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the operator CLI as an operator would, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "shared.admin", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def register_service(settings, **fields: Any) -> str:
    """Store a service with these settings and one key; return the key."""
    app = build_app(settings)
    service = Service(
        id=f"svc-{uuid.uuid4().hex[:10]}",
        name="Tributi",
        organization_name="Comune di Esempio",
        organization_fiscal_code="01234567890",
        **fields,
    )
    app.services.add(service)
    key = generate_api_key()
    SENT.add("API key", key)
    app.api_keys.add(
        ApiKeyRecord(id=hash_api_key(key), service_id=service.id, slot=KeySlot.PRIMARY)
    )
    return key


def expect_problem(response: requests.Response, status: int) -> dict[str, Any]:
    """The problem document of `response`, after checking it is one, with this status and
    the request id as its instance."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["instance"] == response.headers["X-Request-Id"]
    return problem


def send_message(host: RunningHost, key: str, fiscal_code: str, body: dict[str, Any]) -> str:
    """Send `body` to the citizen with the institution API; return the accepted id."""
    response = requests.post(
        host.url(f"/api/v1/messages/{fiscal_code}"),
        json=body,
        headers={INSTITUTION_KEY_HEADER: key},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def wait_processed(host: RunningHost, key: str, fiscal_code: str, message_id: str) -> None:
    """Wait until the message is decided, and check it was delivered (PROCESSED)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while True:
        response = requests.get(
            host.url(f"/api/v1/messages/{fiscal_code}/{message_id}"),
            headers={INSTITUTION_KEY_HEADER: key},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        status = response.json()["status"]
        if status != "ACCEPTED":
            assert status == "PROCESSED"
            return
        assert time.monotonic() < deadline, f"message {message_id} still ACCEPTED"
        time.sleep(0.2)


def citizen_call(fiscal_code: str, token: str = CITIZEN_BACKEND_TOKEN) -> dict[str, str]:
    """The headers of a citizen API call of the citizen app's back end for this citizen."""
    return {"Authorization": f"Bearer {token}", "Citizen-Fiscal-Code": fiscal_code}
