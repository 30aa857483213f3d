"""Host side: N worker processes running the app's functions, as the Functions host runs them.

``FUNCTIONS_WORKER_PROCESS_COUNT`` (the real host's setting: 1 by default, 1 to 10) sets N.
Each process is initialised and loads every function; an invocation goes to the live
process with the fewest invocations outstanding (ties take turns), so a process busy with
slow invocations is passed over while another is free. The real host simply takes turns
(RpcFunctionInvocationDispatcherLoadBalancer); with equal loads the two agree.

A worker process that dies is not restarted: its pending invocations fail with
WorkerExitedError, the error is logged with its exit code, and the others carry on; when
none is left, ``invoke`` raises. Locally a dead worker is a bug to see (a native crash, an
``os._exit`` in app code), and a restart would hide it; a queue message it held is
delivered again after its visibility timeout either way.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from pathlib import Path
from types import TracebackType

from offline_host.errors import HostConfigError

from .errors import WorkerExitedError, WorkerPoolError
from .log_relay import relay_log
from .protocol import pb
from .worker_connection import LogSink, WorkerConnection

PROCESS_COUNT_SETTING = "FUNCTIONS_WORKER_PROCESS_COUNT"
MAX_PROCESS_COUNT = 10
HOST_VERSION = "4.0.0-offline"
_SUCCESS = pb.StatusResult.Success


def process_count(environ: Mapping[str, str]) -> int:
    """N from ``FUNCTIONS_WORKER_PROCESS_COUNT``; raises HostConfigError outside 1..10."""
    value = environ.get(PROCESS_COUNT_SETTING, "").strip()
    if not value:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= MAX_PROCESS_COUNT:
        raise HostConfigError(
            f"{PROCESS_COUNT_SETTING} must be an integer from 1 to {MAX_PROCESS_COUNT}, "
            f"not {value!r}"
        )
    return int(value)


class WorkerPool:
    """Started worker processes with every function loaded; use ``start``."""

    def __init__(
        self, connections: Sequence[WorkerConnection], load_errors: Mapping[str, str]
    ) -> None:
        self._connections = tuple(connections)
        self._load_errors = dict(load_errors)
        self._lock = threading.Lock()
        self._turns = itertools.count()
        self._closed = False

    @classmethod
    def start(
        cls,
        app_root: Path,
        functions: Sequence[pb.RpcFunctionMetadata],
        *,
        environ: Mapping[str, str],
        log_sink: LogSink = relay_log,
        start_timeout: float = 120.0,
        python: str = sys.executable,
    ) -> WorkerPool:
        """Start the processes, initialise them, and load ``functions`` in each.

        A function that fails to load in any process is in ``load_errors`` with the
        library's message. ``python`` is the interpreter of the worker processes.
        Raises HostConfigError for a bad process count and WorkerPoolError when a process
        does not start or initialise in ``start_timeout``.
        """
        count = process_count(environ)
        root = app_root.resolve()
        connections = [
            WorkerConnection.start(root, environ, log_sink, python=python) for _ in range(count)
        ]
        pool = cls(connections, {})
        try:
            inits = [
                connection.request(
                    pb.StreamingMessage(
                        worker_init_request=pb.WorkerInitRequest(
                            host_version=HOST_VERSION,
                            function_app_directory=str(root),
                            worker_directory=str(root),
                        )
                    )
                )
                for connection in connections
            ]
            for connection, init in zip(connections, inits, strict=True):
                answer = _answer(init, start_timeout, connection, "WorkerInitRequest")
                result = answer.worker_init_response.result
                if result.status != _SUCCESS:
                    raise WorkerPoolError(
                        f"worker process {connection.pid} failed to initialise: "
                        f"{result.exception.message}"
                    )
            pool._load_errors = _load_everywhere(connections, functions, start_timeout)
        except BaseException:
            pool.close(timeout=5)
            raise
        return pool

    @property
    def load_errors(self) -> Mapping[str, str]:
        """Function name to the library's message, for each function that failed to load."""
        return dict(self._load_errors)

    @property
    def process_ids(self) -> tuple[int, ...]:
        return tuple(connection.pid for connection in self._connections)

    def invoke(self, request: pb.InvocationRequest) -> Future[pb.InvocationResponse]:
        """Send ``request`` to the least busy live process; the future holds its answer.

        The future fails with WorkerExitedError when that process dies first. Its
        callbacks run on the process's reader thread: keep them short, or every answer and
        log line of that process waits. Raises WorkerPoolError when the pool is closed or
        no process is left.
        """
        message = pb.StreamingMessage(invocation_request=request)
        with self._lock:
            if self._closed:
                raise WorkerPoolError("the worker pool is closed")
            connection = self._least_busy()
            answer = connection.expect(message)
        connection.write(message)
        response: Future[pb.InvocationResponse] = Future()
        answer.add_done_callback(lambda done: _forward(done, response))
        return response

    def close(self, timeout: float = 5.0) -> None:
        """Stop every process: each finishes its invocations in ``timeout``, else is killed."""
        with self._lock:
            self._closed = True
        threads = [
            threading.Thread(target=connection.close, args=(timeout,))
            for connection in self._connections
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _least_busy(self) -> WorkerConnection:
        live = [connection for connection in self._connections if connection.alive]
        if not live:
            raise WorkerPoolError("every worker process has exited; see the log for why")
        turn = next(self._turns)
        # Rotating the order makes ties take turns, so idle processes all get work.
        rotated = [live[(turn + offset) % len(live)] for offset in range(len(live))]
        return min(rotated, key=lambda connection: connection.outstanding)


def _load_everywhere(
    connections: Sequence[WorkerConnection],
    functions: Sequence[pb.RpcFunctionMetadata],
    timeout: float,
) -> dict[str, str]:
    """Load each function in each process, all at once; the failures by function name."""
    loads = [
        (connection, metadata, connection.request(_load_request(metadata)))
        for connection in connections
        for metadata in functions
    ]
    errors: dict[str, str] = {}
    for connection, metadata, future in loads:
        answer = _answer(future, timeout, connection, f"the load of {metadata.name}")
        result = answer.function_load_response.result
        if result.status != _SUCCESS and metadata.name not in errors:
            errors[metadata.name] = result.exception.message or "failed to load"
    return errors


def _load_request(metadata: pb.RpcFunctionMetadata) -> pb.StreamingMessage:
    return pb.StreamingMessage(
        function_load_request=pb.FunctionLoadRequest(
            function_id=metadata.function_id, metadata=metadata
        )
    )


def _answer(
    future: Future[pb.StreamingMessage], timeout: float, connection: WorkerConnection, what: str
) -> pb.StreamingMessage:
    try:
        return future.result(timeout)
    except FutureTimeoutError as error:
        raise WorkerPoolError(
            f"worker process {connection.pid} did not answer {what} within {timeout:.0f} s"
        ) from error
    except WorkerExitedError as error:
        raise WorkerPoolError(f"{error} (while waiting for {what})") from error


def _forward(done: Future[pb.StreamingMessage], response: Future[pb.InvocationResponse]) -> None:
    error = done.exception()
    if error is not None:
        response.set_exception(error)
    else:
        response.set_result(done.result().invocation_response)
