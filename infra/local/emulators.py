"""Start and stop the local Azure emulators: Azurite (Blob, Queue) and the Cosmos DB emulator.

Both come from the project's npm manifest (`package.json`), installed in `node_modules/`.
Azurite keeps its data in memory unless a data folder is given; the Cosmos emulator
always keeps its data in memory.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = PROJECT_ROOT / "node_modules" / ".bin"
COSMOS_SERVER_SCRIPT = PROJECT_ROOT / "infra" / "local" / "cosmos" / "server.js"

# Well-known development credentials published for Azurite and the Cosmos DB emulator.
# They protect nothing and only ever reach loopback.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
COSMOS_EMULATOR_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)
LOOPBACK = "127.0.0.1"
DEFAULT_PORTS = (10000, 10001, 8081)
READY_TIMEOUT_SECONDS = 60.0


class EmulatorStartError(RuntimeError):
    """An emulator did not start, or did not listen on its port in time."""


@dataclass(frozen=True)
class EmulatorEndpoints:
    """Where the running emulators listen, and the settings the app needs to reach them."""

    blob_port: int
    queue_port: int
    cosmos_port: int

    @property
    def storage_connection_string(self) -> str:
        return (
            "DefaultEndpointsProtocol=http;"
            f"AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://{LOOPBACK}:{self.blob_port}/{AZURITE_ACCOUNT};"
            f"QueueEndpoint=http://{LOOPBACK}:{self.queue_port}/{AZURITE_ACCOUNT};"
        )

    @property
    def cosmos_endpoint(self) -> str:
        return f"https://{LOOPBACK}:{self.cosmos_port}/"

    def app_settings(self) -> dict[str, str]:
        """The app settings that point the function app at these emulators."""
        return {
            "AzureWebJobsStorage": self.storage_connection_string,
            "COSMOS_ENDPOINT": self.cosmos_endpoint,
            "COSMOS_KEY": COSMOS_EMULATOR_KEY,
            "COSMOS_VERIFY_TLS": "false",
        }


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((LOOPBACK, port)) == 0


def check_installed() -> None:
    """Fail with the command to run when the npm emulators are not installed."""
    if not (NODE_BIN / "azurite").exists() or not COSMOS_SERVER_SCRIPT.exists():
        raise EmulatorStartError(
            "the emulators are not installed: run `npm ci` in the project root"
        )


def _azurite_command(endpoints: EmulatorEndpoints, data_dir: Path | None) -> list[str]:
    command = [
        str(NODE_BIN / "azurite"),
        "--blobHost",
        LOOPBACK,
        "--blobPort",
        str(endpoints.blob_port),
        "--queueHost",
        LOOPBACK,
        "--queuePort",
        str(endpoints.queue_port),
        "--tableHost",
        LOOPBACK,
        "--tablePort",
        str(free_port()),
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--loose",
    ]
    if data_dir is None:
        command.append("--inMemoryPersistence")
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        command += ["--location", str(data_dir)]
    return command


def _cosmos_command(endpoints: EmulatorEndpoints) -> list[str]:
    return ["node", str(COSMOS_SERVER_SCRIPT), "--port", str(endpoints.cosmos_port)]


def _wait_until_listening(
    process: subprocess.Popen[bytes], name: str, ports: tuple[int, ...], log: Path
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorStartError(
                f"{name} exited with code {process.returncode} while starting; see {log}"
            )
        if all(port_is_open(port) for port in ports):
            return
        time.sleep(0.1)
    raise EmulatorStartError(f"{name} did not listen on {ports} within {READY_TIMEOUT_SECONDS}s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def running_emulators(
    endpoints: EmulatorEndpoints, *, log_dir: Path, azurite_data_dir: Path | None = None
) -> Iterator[EmulatorEndpoints]:
    """Start Azurite and the Cosmos emulator, wait until both listen, stop both on exit.

    Raises EmulatorStartError when a port is taken, a process dies or does not listen in time.
    """
    check_installed()
    for port in (endpoints.blob_port, endpoints.queue_port, endpoints.cosmos_port):
        if port_is_open(port):
            raise EmulatorStartError(f"port {port} is already in use; stop what listens there")
    log_dir.mkdir(parents=True, exist_ok=True)
    started: list[subprocess.Popen[bytes]] = []
    try:
        for name, command, ports in (
            (
                "azurite",
                _azurite_command(endpoints, azurite_data_dir),
                (endpoints.blob_port, endpoints.queue_port),
            ),
            ("cosmos", _cosmos_command(endpoints), (endpoints.cosmos_port,)),
        ):
            log = log_dir / f"{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    command,
                    cwd=PROJECT_ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            started.append(process)
            _wait_until_listening(process, name, ports, log)
        yield endpoints
    finally:
        for process in reversed(started):
            _stop(process)


def endpoints_on_free_ports() -> EmulatorEndpoints:
    return EmulatorEndpoints(blob_port=free_port(), queue_port=free_port(), cosmos_port=free_port())


def default_endpoints() -> EmulatorEndpoints:
    blob, queue, cosmos = DEFAULT_PORTS
    return EmulatorEndpoints(blob_port=blob, queue_port=queue, cosmos_port=cosmos)


@contextmanager
def running_emulators_on_scratch_files(
    endpoints: EmulatorEndpoints, *, log_dir: Path
) -> Iterator[EmulatorEndpoints]:
    """running_emulators with Azurite's data in files of a folder deleted on exit: empty at
    every start, as in memory, without the in-memory store's sweep. In memory each queue
    message is an extent of its own, and the sweep that removes the deleted ones once a
    minute takes time that grows with the square of their number (measured: a 56 s stall of
    every queue call after a few thousand messages); on files, messages share extent files."""
    with (
        tempfile.TemporaryDirectory(prefix="azurite-") as folder,
        running_emulators(endpoints, log_dir=log_dir, azurite_data_dir=Path(folder)) as running,
    ):
        yield running
