"""Configure logging and telemetry once per worker process (idempotent, thread-safe).

Logging: every log record gets the invocation's ids (log_context), the root logger's
handlers write JSON lines (json_logs), and the Azure SDK's and urllib3's loggers are held
at WARNING, because at INFO and DEBUG they log request URLs and headers, and Cosmos DB
URLs name documents whose ids are fiscal codes.

Telemetry: only with APPLICATIONINSIGHTS_CONNECTION_STRING set, azure-monitor-opentelemetry
(imported only then) exports traces and metrics to Application Insights. Logs are not
exported by it: the Functions host already sends the app's log lines there. The HTTP and
Azure SDK instrumentations stay off, since their spans carry URLs with fiscal codes; the
invocation spans (invocation.py) and the app's metrics (metrics.py) are what is sent.
Without the setting nothing is configured: the OpenTelemetry API's no-op providers answer,
nothing is exported and nothing is sent.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Mapping

from shared.config import telemetry_connection_string
from shared.observability.json_logs import JsonFormatter
from shared.observability.log_context import install_record_factory

logger = logging.getLogger(__name__)

# Loggers that would log URLs (Cosmos DB document ids are fiscal codes) and headers.
QUIET_LOGGERS = ("azure", "urllib3")
# Instrumentations whose spans would carry such URLs; the distro's names for them.
URL_INSTRUMENTATIONS = ("azure_sdk", "requests", "urllib", "urllib3", "httpx", "httpx2")

_lock = threading.Lock()
_configured = threading.Event()
_exporting = False


def configure_observability(env: Mapping[str, str] | None = None) -> None:
    """Set up logging and, with Application Insights configured, telemetry; only the
    first call in a process does anything."""
    global _exporting  # noqa: PLW0603 - once per worker process
    if _configured.is_set():  # every invocation asks; only the first takes the lock
        return
    with _lock:
        if _configured.is_set():
            return
        configure_logging()
        connection_string = telemetry_connection_string(env)
        _exporting = connection_string is not None and _configure_telemetry(connection_string)
        _configured.set()


def exporting() -> bool:
    """Whether traces and metrics are being exported (Application Insights is set)."""
    return _exporting


def _is_test_capture(handler: logging.Handler) -> bool:
    # pytest's capture handlers keep their format, so tests read plain messages.
    return type(handler).__module__.split(".", 1)[0] == "_pytest"


def configure_logging() -> None:
    """JSON lines with the invocation's ids on the root logger's handlers (a stderr
    handler if it has none); the URL-logging SDK loggers at WARNING unless a level was
    chosen for them already (the offline host's --verbose)."""
    install_record_factory()
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
        root.setLevel(logging.INFO)
    for handler in root.handlers:
        if not _is_test_capture(handler) and not isinstance(handler.formatter, JsonFormatter):
            handler.setFormatter(JsonFormatter())
    for name in QUIET_LOGGERS:
        quiet = logging.getLogger(name)
        if quiet.level == logging.NOTSET:
            quiet.setLevel(logging.WARNING)


def _configure_telemetry(connection_string: str) -> bool:
    try:
        # Imported only here: the package is needed only when telemetry is exported.
        from azure.monitor.opentelemetry import configure_azure_monitor  # noqa: PLC0415

        configure_azure_monitor(
            connection_string=connection_string,
            disable_logging=True,
            enable_live_metrics=False,
            instrumentation_options={name: {"enabled": False} for name in URL_INSTRUMENTATIONS},
        )
    except Exception as error:  # telemetry must never stop the app
        # The type only: the error's text might quote the connection string.
        logger.warning("telemetry not configured: %s", type(error).__name__)
        return False
    logger.info("telemetry exported to Application Insights")
    return True
