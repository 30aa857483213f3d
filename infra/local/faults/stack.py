"""The whole local stack with a fault proxy in front of each store, for fault runs.

`FaultyStack` starts Azurite and the Cosmos DB emulator on free ports, provisions them,
registers a service (with a rate limit no run reaches) and some citizens, puts a
`FaultProxy` in front of Cosmos DB, Blob and Queue, and runs the offline Functions host as
a subprocess whose every storage call goes through the proxies. Audits read the stores
directly (`settings`), never through a proxy.

    with FaultyStack(grace_seconds=5, sweeper_schedule="*/5 * * * * *") as stack:
        stack.proxy(Store.QUEUE).outage(Fault.REFUSE, 10)
        requests.post(f"{stack.base_url}/api/v1/messages/{stack.citizens[0]}", ...)
        stack.kill()
        stack.restart()
"""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import time
import uuid
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from infra.local.emulators import (
    PROJECT_ROOT,
    EmulatorEndpoints,
    endpoints_on_free_ports,
    free_port,
    running_emulators,
)
from infra.local.faults.citizens import distinct_fiscal_codes
from infra.local.faults.proxy import Fault, FaultProxy
from infra.local.host_process import HostStartError, host_command, stop_host, wait_for_host
from infra.local.stack import app_settings
from shared.adapters.provisioning import provision
from shared.bootstrap import App, build_app
from shared.config import SettingName, Settings
from shared.domain.service import RateLimit, Tier
from shared.services.onboarding import create_service, register_citizen

logger = logging.getLogger(__name__)

# Far above what any run sends: a fault run tests faults, not the rate limit.
UNLIMITED = RateLimit(requests=1_000_000, window_seconds=1)
# A timer schedule that never comes in a run: the reminders stay out of the way.
NEVER = "0 0 0 1 1 *"
LOGS_ROOT = PROJECT_ROOT / ".local" / "logs" / "faults"
KILL_WAIT_SECONDS = 10.0


class Store(StrEnum):
    """The stores the host reaches, each through its own proxy."""

    COSMOS = "cosmos"
    BLOB = "blob"
    QUEUE = "queue"


@dataclass(frozen=True)
class ServiceAccount:
    """A registered service and its primary key."""

    service_id: str
    api_key: str = field(repr=False)


def fault_host_settings(*, grace_seconds: int, sweeper_schedule: str) -> dict[str, str]:
    """The host settings of a fault run: the sweeper (and the events' relay) as the caller
    wants it, failed queue messages back after 1 s (not 10), no reminder runs."""
    return {
        SettingName.ACCEPTED_GRACE_SECONDS: str(grace_seconds),
        # Events the killed host held are relayed as soon (the claim's lease is 15 s at least).
        SettingName.EVENT_RELAY_GRACE_SECONDS: str(grace_seconds),
        SettingName.SWEEPER_SCHEDULE: sweeper_schedule,
        SettingName.REMINDER_SCHEDULE: NEVER,
        "AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:01",
    }


def _default_log_dir() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return LOGS_ROOT / f"{stamp}-{uuid.uuid4().hex[:6]}"


class FaultyStack:
    """Emulators, proxies and the offline host; a context manager (or `start` / `close`).

    `grace_seconds` and `sweeper_schedule` are the host's ACCEPTED_GRACE_SECONDS and
    SWEEPER_SCHEDULE (six-field NCRONTAB); `host_settings` override any app setting;
    `citizens` fiscal codes are registered at start; `seed` makes the proxies' random
    faults and the citizens repeatable.
    """

    def __init__(
        self,
        *,
        grace_seconds: int,
        sweeper_schedule: str,
        log_dir: Path | None = None,
        citizens: int = 20,
        host_settings: Mapping[str, str] | None = None,
        seed: int | None = None,
    ) -> None:
        self._log_dir = log_dir or _default_log_dir()
        self._overrides = {
            **fault_host_settings(grace_seconds=grace_seconds, sweeper_schedule=sweeper_schedule),
            **(host_settings or {}),
        }
        self._citizen_count = citizens
        self._seed = seed
        self._rng = random.Random(seed)  # noqa: S311 - test data, not a secret
        self._exit = ExitStack()
        self._settings: Settings | None = None
        self._app: App | None = None
        self._proxies: dict[Store, FaultProxy] = {}
        self._service: ServiceAccount | None = None
        self._citizens: tuple[str, ...] = ()
        self._host_port = 0
        self._host_env: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._host_starts = 0

    # --- life cycle ---

    def start(self) -> FaultyStack:
        """Start everything; return self. Raises EmulatorStartError or HostStartError."""
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        direct = self._exit.enter_context(
            running_emulators(endpoints_on_free_ports(), log_dir=self._log_dir)
        )
        self._settings = Settings.from_env(app_settings(direct))
        provision(self._settings)
        self._app = build_app(self._settings)
        self._service = self.new_service()
        self._citizens = tuple(self.register_citizens(self._citizen_count))
        upstream = {
            Store.COSMOS: direct.cosmos_port,
            Store.BLOB: direct.blob_port,
            Store.QUEUE: direct.queue_port,
        }
        for number, (store, port) in enumerate(upstream.items()):
            seed = None if self._seed is None else self._seed + number
            proxy = FaultProxy("127.0.0.1", port, name=store.value, seed=seed)
            self._proxies[store] = self._exit.enter_context(proxy.start())
        proxied = EmulatorEndpoints(
            blob_port=self._proxies[Store.BLOB].port,
            queue_port=self._proxies[Store.QUEUE].port,
            cosmos_port=self._proxies[Store.COSMOS].port,
        )
        self._host_port = free_port()
        self._host_env = {**os.environ, **app_settings(proxied), **self._overrides}
        self._exit.callback(self._stop_host)
        self._start_host()

    def close(self) -> None:
        """Stop the host, the proxies and the emulators. Idempotent."""
        self._exit.close()

    def __enter__(self) -> FaultyStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- what callers use ---

    @property
    def base_url(self) -> str:
        """The host's address, e.g. http://127.0.0.1:40123 (the same after a restart)."""
        return f"http://127.0.0.1:{self._host_port}"

    @property
    def settings(self) -> Settings:
        """Settings that reach the emulators directly, past the proxies: for audits."""
        if self._settings is None:
            raise RuntimeError("the stack is not started")
        return self._settings

    @property
    def proxies(self) -> Mapping[Store, FaultProxy]:
        return dict(self._proxies)

    def proxy(self, store: Store | str) -> FaultProxy:
        """The proxy in front of `store` ("cosmos", "blob" or "queue")."""
        return self._proxies[Store(store)]

    @property
    def service(self) -> ServiceAccount:
        """The service registered at start."""
        if self._service is None:
            raise RuntimeError("the stack is not started")
        return self._service

    @property
    def citizens(self) -> tuple[str, ...]:
        """The fiscal codes registered at start."""
        return self._citizens

    @property
    def log_dir(self) -> Path:
        return self._log_dir

    @property
    def host_log(self) -> Path:
        """The host's output, every run of it (a line marks each start)."""
        return self._log_dir / "host.log"

    @property
    def host_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def new_service(self, rate_limit: RateLimit = UNLIMITED) -> ServiceAccount:
        """Register another service with a key (written directly, past the proxies); it is
        Premium, so that it may send attachments."""
        created = create_service(
            name="Fault run",
            organization_name="Comune di Prova",
            organization_fiscal_code="01234567890",
            tier=Tier.PREMIUM,
            rate_limit=rate_limit,
            services=self._direct_app().services,
            api_keys=self._direct_app().api_keys,
        )
        return ServiceAccount(service_id=created.service.id, api_key=created.primary_key)

    def register_citizens(self, count: int) -> list[str]:
        """Register `count` new citizens (inbox open to every service); their codes."""
        codes = distinct_fiscal_codes(count, self._rng)
        for code in codes:
            register_citizen(code, profiles=self._direct_app().profiles)
        return codes

    def unregistered_fiscal_codes(self, count: int) -> list[str]:
        """`count` valid fiscal codes nobody registered (their messages end REJECTED)."""
        taken = set(self._citizens)
        codes: list[str] = []
        while len(codes) < count:
            codes += [c for c in distinct_fiscal_codes(count, self._rng) if c not in taken]
        return codes[:count]

    def clear_faults(self) -> None:
        """Every proxy back to PASS: standing, armed and outage faults ended."""
        for proxy in self._proxies.values():
            proxy.set_fault(Fault.PASS)

    def kill(self) -> None:
        """SIGKILL the host (as `kill -9`): nothing in flight finishes, nothing is cleaned."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=KILL_WAIT_SECONDS)
        logger.info("host killed (pid %s)", process.pid)

    def restart(self) -> None:
        """Start the host again on the same port (stopping it first if it runs) and wait
        until it serves. Raises HostStartError."""
        self._stop_host()
        self._start_host()

    # --- the host process ---

    def _direct_app(self) -> App:
        if self._app is None:
            raise RuntimeError("the stack is not started")
        return self._app

    def _start_host(self) -> None:
        self._host_starts += 1
        with self.host_log.open("ab") as out:
            out.write(f"--- fault stack: host start {self._host_starts} ---\n".encode())
            out.flush()
            process = subprocess.Popen(
                host_command(self._host_port, use_func=False, strict=True),
                cwd=PROJECT_ROOT,
                env=self._host_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._process = process
        started = time.monotonic()
        try:
            wait_for_host(process, self._host_port, environ=self._host_env)
        except HostStartError as exc:
            raise HostStartError(f"{exc}; see {self.host_log}") from exc
        logger.info(
            "host serving on port %s after %.1fs", self._host_port, time.monotonic() - started
        )

    def _stop_host(self) -> None:
        if self._process is not None:
            stop_host(self._process)
            self._process = None
