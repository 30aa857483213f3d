"""The function app served by the offline host over HTTP, on the emulators.

Package-scoped: the host runs while tests/e2e runs, and stops before other packages, so
it never consumes queue messages that function-level tests expect to find.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local.emulators import PROJECT_ROOT, free_port
from infra.local.host_process import HostStartError, host_command, stop_host, wait_for_host
from shared.bootstrap import build_app
from shared.domain.api_keys import ApiKeyRecord, KeySlot, generate_api_key, hash_api_key
from shared.domain.service import Service

CACHE_TTL = 2
MAX_ATTEMPTS = 3
SWEEP_GRACE = 2
# Download links expire fast enough for a test to see one refused.
ATTACHMENT_LINK_SECONDS = 4
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
}


@dataclass(frozen=True)
class RunningHost:
    base_url: str
    log: Path

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


@pytest.fixture(scope="package")
def offline_host(local_stack, tmp_path_factory) -> Iterator[RunningHost]:
    port = free_port()
    log = Path(tmp_path_factory.mktemp("host")) / "host.log"
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
            wait_for_host(process, port)
        except HostStartError as exc:
            raise RuntimeError(f"{exc}:\n{log.read_text()}") from exc
        yield RunningHost(base_url=base_url, log=log)
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
