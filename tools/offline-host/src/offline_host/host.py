"""The offline host: reads the app, loads its functions in worker processes, starts every
listener, stops cleanly."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from .admin_api import ADMIN_PREFIX, AdminApi
from .discovery import discover_functions
from .errors import OfflineHostError
from .function_config import FunctionConfig, HttpTrigger, QueueTrigger, TimerTrigger
from .function_listing import render_listing
from .host_config import HostConfig, read_host_config
from .host_status import HostState, HostStatus
from .http_functions import HttpFunctions
from .http_keys import HostKeys
from .http_server import HttpReply, IncomingRequest, OfflineHttpServer
from .invoker import Invoker
from .queue_clients import QueueClients
from .queue_listener import QueueListener
from .queue_output import QueueOutputSender
from .route_template import parse_route_template
from .routing import HttpRoute, RouteTable
from .settings import (
    LocalSettings,
    apply_to_environment,
    find_settings_file,
    read_local_settings,
)
from .timer_scheduler import TimerScheduler, schedule_time_zone
from .worker.metadata import function_metadata
from .worker.protocol import pb
from .worker.worker_pool import WorkerPool

logger = logging.getLogger(__name__)

DEFAULT_PORT = 7071
_STOP_THREAD_SECONDS = 0.5
_SETTLE_THREADS = 4
_HOMEPAGE = b"The offline Functions host is running.\n"


@dataclass(frozen=True)
class _App:
    """The app as read from disk: settings, host.json, the functions that loaded."""

    settings: LocalSettings
    config: HostConfig
    functions: dict[str, FunctionConfig]
    routes: RouteTable
    disabled: tuple[str, ...]
    errors: dict[str, str]


@dataclass(frozen=True)
class HostOptions:
    """Command-line options of the host."""

    app_root: Path
    host: str = "127.0.0.1"
    port: int | None = None
    settings_file: Path | None = None


class OfflineHost:
    """One function app served on one port, with its queue listeners and timers."""

    def __init__(
        self, options: HostOptions, environ: MutableMapping[str, str] | None = None
    ) -> None:
        self._options = options
        self._environ = os.environ if environ is None else environ
        self._app_root = options.app_root.resolve()
        self._listeners: list[QueueListener] = []
        self._timers: list[TimerScheduler] = []
        self._listing = ""
        self._errors: dict[str, str] = {}
        self._server: OfflineHttpServer | None = None
        self._server_thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the host is not started")
        return self._server.port

    @property
    def load_errors(self) -> dict[str, str]:
        """Why each function that failed to load did, by function name (after start())."""
        return dict(self._errors)

    @property
    def listing(self) -> str:
        """The Functions: listing, available after start()."""
        return self._listing

    def start(self) -> None:
        """Load the app and start serving.

        Raises HostConfigError (and other OfflineHostError) when the app as a whole cannot
        run, OSError when the port cannot be bound; a single broken function is reported and
        skipped instead.
        """
        app = self._read_app()
        try:
            self._serve(app)
        except BaseException:
            self._pool.close()
            raise

    def _serve(self, app: _App) -> None:
        keys = HostKeys.from_environment(self._environ)
        self._clients = QueueClients()
        self._invoker = Invoker(
            target=self._pool,
            output_sender=QueueOutputSender(
                self._clients, app.config.queues.message_encoding, self._wake_listeners
            ),
            function_timeout=app.config.function_timeout,
        )
        self._settler = ThreadPoolExecutor(_SETTLE_THREADS, thread_name_prefix="queue-settle")
        self._status = HostStatus(app.errors)
        self._http = HttpFunctions(app.routes, app.functions, keys, self._invoker)
        self._admin = AdminApi(app.functions, self._invoker, self._status, keys)
        port = self._options.port
        if port is None:
            port = app.settings.local_http_port or DEFAULT_PORT
        self._server = OfflineHttpServer((self._options.host, port), self._dispatch)
        self._start_triggers(app)
        self._errors = dict(app.errors)
        self._listing = render_listing(
            f"http://{self._options.host}:{self.port}",
            app.functions.values(),
            app.routes.routes,
            app.disabled,
            app.errors,
        )
        # Serving starts last, so the first status answer already says Running: pollers
        # that only wait for a 200 see every listener started.
        self._status.move_to(HostState.RUNNING)
        self._server_thread = threading.Thread(
            target=self._server.serve_forever, name="http-server", daemon=True
        )
        self._server_thread.start()

    def stop(self, drain_seconds: float) -> bool:
        """Stop accepting requests and polling, then wait up to ``drain_seconds`` for the
        invocations in flight. True when none was left running."""
        self._status.move_to(HostState.STOPPING)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for listener in self._listeners:
            listener.stop(_STOP_THREAD_SECONDS)
        for timer in self._timers:
            timer.stop(_STOP_THREAD_SECONDS)
        self._invoker.stop_accepting()
        deadline = time.monotonic() + drain_seconds
        drained = self._invoker.wait_idle(drain_seconds)
        if self._server is not None:
            # An invocation that ended still has its HTTP reply to write.
            drained = self._server.wait_idle(max(deadline - time.monotonic(), 0.5)) and drained
        if not drained:
            logger.warning("Invocations still running after %.0fs; leaving them", drain_seconds)
        # Each worker finishes what it still runs in the time left, else it is killed.
        self._pool.close(max(deadline - time.monotonic(), _STOP_THREAD_SECONDS))
        self._invoker.close()
        self._settler.shutdown(wait=drained)
        self._clients.close()
        return drained

    def _read_app(self) -> _App:
        settings = read_local_settings(
            find_settings_file(self._app_root, self._options.settings_file)
        )
        overridden = apply_to_environment(settings, self._environ)
        if settings.source is not None:
            logger.info("App settings from %s", settings.source)
        if overridden:
            logger.info(
                "The environment overrides these settings of %s with other values: %s",
                settings.source.name if settings.source is not None else "the settings file",
                ", ".join(overridden),
            )
        config = read_host_config(self._app_root, self._environ)
        discovery = discover_functions(self._app_root, config, self._environ)
        errors = dict(discovery.errors)
        functions = {function.name: function for function in discovery.functions}
        routes = self._routes(functions.values(), config.route_prefix, errors)
        self._pool = self._start_workers(functions, errors)
        for name in errors:
            functions.pop(name, None)
        routes = [route for route in routes if route.function_name in functions]
        return _App(settings, config, functions, RouteTable(routes), discovery.disabled, errors)

    def _start_workers(
        self, functions: dict[str, FunctionConfig], errors: dict[str, str]
    ) -> WorkerPool:
        """Start the worker processes and load in them every function not already failed."""
        metadata: list[pb.RpcFunctionMetadata] = []
        for name, function in functions.items():
            if name in errors:
                continue
            try:
                metadata.append(function_metadata(function))
            except OfflineHostError as error:
                errors[name] = str(error).removeprefix(f"{name}: ")
                logger.error("Functions.%s failed to load: %s", name, error)
        pool = WorkerPool.start(self._app_root, metadata, environ=dict(self._environ))
        for name, message in pool.load_errors.items():
            errors[name] = message
            # The library's message holds the import error and the traceback to fix it.
            logger.error("Functions.%s failed to load: %s", name, message)
        return pool

    def _start_triggers(self, app: _App) -> None:
        zone = schedule_time_zone(self._environ)
        for function in app.functions.values():
            trigger = function.trigger
            if isinstance(trigger, QueueTrigger):
                self._listeners.append(
                    QueueListener(
                        function, app.config.queues, self._clients, self._invoker, self._settler
                    )
                )
            elif isinstance(trigger, TimerTrigger):
                self._timers.append(TimerScheduler(function, zone, self._invoker))
        for listener in self._listeners:
            listener.start()
        for timer in self._timers:
            timer.start()

    def _routes(
        self, functions: Iterable[FunctionConfig], prefix: str, errors: dict[str, str]
    ) -> list[HttpRoute]:
        routes = []
        for function in functions:
            trigger = function.trigger
            if not isinstance(trigger, HttpTrigger):
                continue
            text = "/".join(part for part in (prefix, trigger.route.strip("/")) if part)
            try:
                routes.append(HttpRoute(function.name, parse_route_template(text), trigger.methods))
            except OfflineHostError as error:
                errors[function.name] = str(error)
                logger.error("Functions.%s failed to load: %s", function.name, error)
        return routes

    def _dispatch(self, request: IncomingRequest) -> HttpReply:
        if request.path.lower().startswith(ADMIN_PREFIX):
            return self._admin.handle(request)
        reply = self._http.handle(request)
        if reply.status == HTTPStatus.NOT_FOUND and request.path == "/" and request.method == "GET":
            return HttpReply(
                HTTPStatus.OK, [("Content-Type", "text/plain; charset=utf-8")], _HOMEPAGE
            )
        return reply

    def _wake_listeners(self, connection_string: str, queue_name: str) -> None:
        for listener in self._listeners:
            if listener.queue == (connection_string, queue_name):
                listener.wake()
