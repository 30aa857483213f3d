"""The function app served by the offline host over HTTP, on the emulators.

Package-scoped: the host runs while tests/e2e runs, and stops before other packages, so
it never consumes queue messages that function-level tests expect to find.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.local.emulators import PROJECT_ROOT, free_port
from infra.local.host_process import HostStartError, host_command, stop_host, wait_for_host


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
    env = {**os.environ, **local_stack.app_settings}
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
