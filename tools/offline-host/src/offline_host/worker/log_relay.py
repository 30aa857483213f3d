"""Host side: a worker's RpcLog becomes a log record of the host, under the same logger name.

Nothing is dropped on the way: the record goes straight to the logger's handlers, whatever
that logger's level (the worker already applied its own). Each record carries
``invocation_id``, ``worker_pid`` and ``rpc_log_category`` (User or System) as attributes,
for a formatter or filter to use.
"""

from __future__ import annotations

import logging

from .protocol import pb

FALLBACK_LOGGER = "function"

_LEVELS: dict[int, int] = {
    pb.RpcLog.Trace: logging.DEBUG,
    pb.RpcLog.Debug: logging.DEBUG,
    pb.RpcLog.Information: logging.INFO,
    pb.RpcLog.Warning: logging.WARNING,
    pb.RpcLog.Error: logging.ERROR,
    pb.RpcLog.Critical: logging.CRITICAL,
}


def python_level(level: int) -> int:
    """The Python level of an RpcLog level; ``None`` (no level) counts as information."""
    return _LEVELS.get(level, logging.INFO)


def relay_log(log: pb.RpcLog, worker_pid: int) -> None:
    """Hand ``log`` to the host's logging."""
    logger = logging.getLogger(log.category or FALLBACK_LOGGER)
    record = logger.makeRecord(
        logger.name,
        python_level(log.level),
        fn=f"worker process {worker_pid}",
        lno=0,
        msg="%s",
        args=(log.message,),
        exc_info=None,
        extra={
            "invocation_id": log.invocation_id or None,
            "worker_pid": worker_pid,
            "rpc_log_category": pb.RpcLog.RpcLogCategory.Name(log.log_category),
        },
    )
    logger.handle(record)
