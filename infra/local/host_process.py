"""Start the Functions host (Core Tools or the offline host) and wait until it serves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from infra.local.emulators import PROJECT_ROOT
from offline_host.http_keys import KEY_HEADER, HostKeys

HOST_READY_TIMEOUT_SECONDS = 60.0


class HostStartError(RuntimeError):
    """The host exited while starting, or did not answer in time."""


def host_command(port: int, *, use_func: bool, strict: bool = False) -> list[str]:
    """The command that runs the function app in PROJECT_ROOT on `port`.

    `strict` makes the offline host refuse to start when any function fails to load
    (the real host, like the default, serves the others).
    """
    if use_func:
        return ["func", "start", "--port", str(port)]
    return [
        sys.executable,
        "-m",
        "offline_host",
        "--app-root",
        str(PROJECT_ROOT),
        "--port",
        str(port),
        *(["--strict"] if strict else []),
    ]


# Core Tools starts the Python worker with this interpreter when it is set (Core Tools reads
# the `:` spelling from its environment, the host's configuration either, `__` standing for
# `:`); otherwise with the first `python3` / `python` on PATH, which outside an activated
# virtualenv lacks the dependencies.
PYTHON_WORKER_EXECUTABLE_SETTINGS = (
    "languageWorkers:python:defaultExecutablePath",
    "languageWorkers__python__defaultExecutablePath",
)


def func_environment(environ: Mapping[str, str], python: str = sys.executable) -> dict[str, str]:
    """`environ` for `func start`, made to run the worker with `python` (by default this
    process's interpreter, the project's virtualenv under `make run`): its directory first
    on PATH, VIRTUAL_ENV set as `activate` would when it is a virtualenv's, and Core Tools'
    worker executable setting pointed at it."""
    bin_dir = Path(python).parent
    rest = [
        entry
        for entry in environ.get("PATH", os.defpath).split(os.pathsep)
        if entry and Path(entry) != bin_dir
    ]
    env = {**environ, "PATH": os.pathsep.join([str(bin_dir), *rest])}
    if (bin_dir.parent / "pyvenv.cfg").is_file():
        env["VIRTUAL_ENV"] = str(bin_dir.parent)
    env.pop("PYTHONHOME", None)  # it would point the interpreter at another installation
    for name in PYTHON_WORKER_EXECUTABLE_SETTINGS:
        env[name] = python
    return env


def admin_headers(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The header an admin call (`/admin/...`) needs: the master key of a host started with
    `environ` (default: this process's environment). The offline host asks for it from
    loopback too; `func start` does not check it."""
    keys = HostKeys.from_environment(os.environ if environ is None else environ)
    return {KEY_HEADER: keys.master_key}


def wait_for_host(
    process: subprocess.Popen[bytes], port: int, *, environ: Mapping[str, str] | None = None
) -> None:
    """Return once the host, started with `environ`, answers its status endpoint.

    Raises HostStartError.
    """
    deadline = time.monotonic() + HOST_READY_TIMEOUT_SECONDS
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/admin/host/status", headers=admin_headers(environ)
    )
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HostStartError(f"the Functions host exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=1) as response:  # noqa: S310 - http://127.0.0.1
                if response.status == 200:
                    return
        except urllib.error.HTTPError as refused:
            if refused.code == 401:
                raise HostStartError(
                    f"the Functions host on port {port} refused the master key "
                    "(OFFLINE_HOST_MASTER_KEY) on its status endpoint"
                ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise HostStartError(f"the Functions host did not answer on port {port}")


def stop_host(process: subprocess.Popen[bytes], *, timeout: float = 20.0) -> None:
    """Ask the host to stop as Ctrl-C does; kill it if it does not within `timeout`."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # the host finishes in-flight invocations first
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
