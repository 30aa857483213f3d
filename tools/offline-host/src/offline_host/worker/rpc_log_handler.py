"""Worker side: every Python log record of the worker process becomes an RpcLog message.

The library logs only through Python logging (logger ``azure.functions``), and so do the
functions; Azure's proxy worker turns records into RpcLog with a handler on the root logger,
and so does this. Each RpcLog carries the invocation it belongs to, so the host can tell
which invocation a line is about.
"""

from __future__ import annotations

import contextvars
import logging
import traceback
from collections.abc import Callable

from azure_functions_runtime_v1 import invocation_id_cv

from .protocol import pb

# The invocation the current asyncio task handles: async functions, and the library's own
# records on the loop. Sync functions run on the library's thread pool, where the library
# sets ``invocation_id_cv`` itself.
current_invocation: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_invocation", default=None
)

_SYSTEM_LOGGERS = ("azure.functions", "azure_functions_runtime_v1", "offline_host")


def rpc_level(levelno: int) -> pb.RpcLog.Level:
    """The RpcLog level of a Python level."""
    if levelno >= logging.CRITICAL:
        return pb.RpcLog.Critical
    if levelno >= logging.ERROR:
        return pb.RpcLog.Error
    if levelno >= logging.WARNING:
        return pb.RpcLog.Warning
    if levelno >= logging.INFO:
        return pb.RpcLog.Information
    return pb.RpcLog.Debug


class RpcLogHandler(logging.Handler):
    """Sends each record to ``send`` as a StreamingMessage holding an RpcLog."""

    def __init__(self, send: Callable[[pb.StreamingMessage], None]) -> None:
        super().__init__(logging.NOTSET)
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            log = pb.RpcLog(
                level=rpc_level(record.levelno),
                # Formatted: an app that sets a formatter on the root handler (Postino's
                # JSON lines) changes what reaches the host, as it does in Azure.
                message=self.format(record),
                category=record.name,
                log_category=(
                    pb.RpcLog.System if record.name.startswith(_SYSTEM_LOGGERS) else pb.RpcLog.User
                ),
                invocation_id=invocation_id_cv.get() or current_invocation.get() or "",
            )
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                log.exception.message = f"{type(error).__name__}: {error}"
                log.exception.stack_trace = "".join(traceback.format_exception(error))
            self._send(pb.StreamingMessage(rpc_log=log))
        except Exception:  # a log line must never fail an invocation
            self.handleError(record)
