"""The local stack the pipeline benchmark runs on: emulators with provisioned storage, a
sending service and citizens registered through the operator use cases, and the offline
Functions host as a subprocess of its own (as `make run` starts it)."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from bench.host_sampling import sampling
from infra.local.emulators import (
    PROJECT_ROOT,
    endpoints_on_free_ports,
    free_port,
    running_emulators_on_scratch_files,
)
from infra.local.host_process import HostStartError, host_command, stop_host, wait_for_host
from infra.local.stack import app_settings
from shared.adapters.provisioning import provision
from shared.adapters.queues import queue_client
from shared.bootstrap import build_app
from shared.config import SettingName, Settings
from shared.domain.fiscal_code import check_character
from shared.domain.service import RateLimit, Tier
from shared.services.onboarding import create_service, register_citizen

# A limit no benchmark reaches: the counter is still written on every call, as in production.
UNLIMITED = RateLimit(requests=10**9, window_seconds=60)
PROCESS_FUNCTION = "ProcessMessage"


@dataclass(frozen=True)
class BenchStack:
    """Storage ready for the app: its typed settings and the app settings a host needs."""

    settings: Settings
    app_settings: dict[str, str]


@dataclass(frozen=True)
class Sender:
    service_id: str
    api_key: str


@contextmanager
def own_stack(log_dir: Path) -> Iterator[BenchStack]:
    """Start the emulators on free ports (Azurite on scratch files, free of the in-memory
    store's minute-long sweeps) and provision the storage layout; stop on exit."""
    with running_emulators_on_scratch_files(
        endpoints_on_free_ports(), log_dir=log_dir
    ) as endpoints:
        values = app_settings(endpoints)
        settings = Settings.from_env(values)
        provision(settings)
        yield BenchStack(settings=settings, app_settings=values)


# A benchmark's stacks: called with a name (a log folder), it gives a stack for a `with`.
StackFactory = Callable[[str], AbstractContextManager[BenchStack]]


def own_stacks(log_dir: Path) -> StackFactory:
    """Each stack asked for started anew (emulators of its own), logging under `log_dir`."""
    return lambda name: own_stack(log_dir / name)


def one_stack(stack: BenchStack) -> StackFactory:
    """Every stack asked for is `stack`, already running (a test session's), left running."""
    return lambda _name: nullcontext(stack)


def fresh_queue(stack: BenchStack, prefix: str) -> str:
    """Create a queue no one else uses and return its name."""
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    queue_client(stack.settings.storage, name).create_queue()
    return name


def delete_queue(stack: BenchStack, name: str) -> None:
    queue_client(stack.settings.storage, name).delete_queue()


def register_sender(stack: BenchStack) -> Sender:
    """A Premium service allowed payment notices, with a rate limit that never bites."""
    app = build_app(stack.settings)
    keys = create_service(
        name="Benchmark",
        organization_name="Comune di Esempio",
        organization_fiscal_code="01234567890",
        tier=Tier.PREMIUM,
        max_allowed_payment_amount=1_000_000,
        rate_limit=UNLIMITED,
        services=app.services,
        api_keys=app.api_keys,
    )
    return Sender(service_id=keys.service.id, api_key=keys.primary_key)


def new_fiscal_code() -> str:
    """A valid fiscal code with a random surname part, so each run has its own partition."""
    surname = "".join(secrets.choice(string.ascii_uppercase) for _ in range(6))
    first_fifteen = f"{surname}80A01H501"
    return first_fifteen + check_character(first_fifteen)


def register_citizens(stack: BenchStack, count: int) -> list[str]:
    """Register `count` new citizens with an open inbox; return their fiscal codes."""
    app = build_app(stack.settings)
    codes = [new_fiscal_code() for _ in range(count)]
    for code in codes:
        register_citizen(code, profiles=app.profiles)
    return codes


def peak_memory_mib(pid: int) -> float | None:
    """The peak resident set size (VmHWM) of a live process, in MiB; None if unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


@dataclass(frozen=True)
class RunningHost:
    base_url: str
    pid: int
    log: Path

    def peak_memory_mib(self) -> float | None:
        return peak_memory_mib(self.pid)


@contextmanager
def running_host(
    stack: BenchStack,
    *,
    messages_queue: str,
    log: Path,
    process_messages: bool = True,
    profile_out: Path | None = None,
    settings: Mapping[str, str] | None = None,
) -> Iterator[RunningHost]:
    """The offline host serving the app on a free port, its messages on `messages_queue`.

    `process_messages=False` disables ProcessMessage (messages stay ACCEPTED), to measure
    acceptance alone. With `profile_out`, py-spy samples the host and its workers into that
    file until the host stops (bench.host_sampling). `settings` are app settings of the
    host's own (worker processes and threads, queue batches).
    """
    port = free_port()
    env = {
        **os.environ,
        **stack.app_settings,
        SettingName.MESSAGES_QUEUE.value: messages_queue,
        **(settings or {}),
    }
    if not process_messages:
        env[f"AzureWebJobs.{PROCESS_FUNCTION}.Disabled"] = "true"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            # Not strict: a function the benchmark does not use may lack a setting mid-change.
            host_command(port, use_func=False),
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        try:
            wait_for_host(process, port)
        except HostStartError as error:
            tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
            raise HostStartError(f"{error}; the end of its log:\n{tail}") from error
        running = RunningHost(base_url=f"http://127.0.0.1:{port}", pid=process.pid, log=log)
        if profile_out is None:
            yield running
        else:
            with sampling(process.pid, profile_out, log=log.with_suffix(".py-spy.log")):
                yield running
    finally:
        stop_host(process)
