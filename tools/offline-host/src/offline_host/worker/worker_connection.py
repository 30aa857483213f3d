"""Host side: one worker process, its pipes, and the requests it has not answered yet.

A reader thread takes every frame the worker writes: answers complete the future of the
request with the same ``request_id``, RpcLog messages go to the log sink. When the worker's
stdout ends, the process is gone: every unanswered request fails with WorkerExitedError, so
no caller waits forever.
"""

from __future__ import annotations

import itertools
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path

from .errors import WorkerExitedError, WorkerPoolError
from .protocol import encode_frame, pb, read_frame

logger = logging.getLogger(__name__)

LogSink = Callable[[pb.RpcLog, int], None]

WORKER_MODULE = "offline_host.worker.worker_process"
# The folder that holds the ``infra`` package: the worker imports this package from there,
# while its working directory (and first sys.path entry) is the app root.
_HOST_CODE_ROOT = Path(__file__).resolve().parents[4]
_request_ids = itertools.count(1)


class WorkerConnection:
    """A started worker process; ``expect`` then ``write`` sends it a request."""

    def __init__(self, process: subprocess.Popen[bytes], log_sink: LogSink) -> None:
        if process.stdin is None or process.stdout is None:
            raise ValueError("the worker process needs pipes on stdin and stdout")
        self._process = process
        self._stdin = process.stdin
        self._stdout = process.stdout
        self._log_sink = log_sink
        self._pending: dict[str, Future[pb.StreamingMessage]] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closing = False
        self._exited = False
        self._reader = threading.Thread(
            target=self._read_frames, name=f"worker-{process.pid}-reader", daemon=True
        )
        self._reader.start()

    @classmethod
    def start(
        cls,
        app_root: Path,
        environ: Mapping[str, str],
        log_sink: LogSink,
        *,
        python: str = sys.executable,
    ) -> WorkerConnection:
        """Start a worker process for the app at ``app_root`` with ``environ`` as environment.

        ``python`` runs it: by default this interpreter, but it may be another virtualenv's
        (the library needs Python 3.13 and the app's own pins).
        """
        env = dict(environ)
        env["PYTHONPATH"] = os.pathsep.join(
            path for path in (str(_HOST_CODE_ROOT), env.get("PYTHONPATH", "")) if path
        )
        process = subprocess.Popen(
            [python, "-m", WORKER_MODULE, "--app-root", str(app_root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=app_root,
            env=env,
        )
        return cls(process, log_sink)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        with self._lock:
            return not self._exited and not self._closing

    @property
    def outstanding(self) -> int:
        """Requests sent and not answered yet."""
        with self._lock:
            return len(self._pending)

    def expect(self, message: pb.StreamingMessage) -> Future[pb.StreamingMessage]:
        """Give ``message`` a request id and return the future of its answer.

        Raises WorkerPoolError when the process has exited or is closing.
        """
        message.request_id = f"{self.pid}-{next(_request_ids)}"
        future: Future[pb.StreamingMessage] = Future()
        with self._lock:
            if self._exited or self._closing:
                raise WorkerPoolError(f"worker process {self.pid} no longer takes requests")
            self._pending[message.request_id] = future
        return future

    def write(self, message: pb.StreamingMessage) -> None:
        """Send a message ``expect`` was called with; a broken pipe fails its future."""
        frame = encode_frame(message)
        try:
            with self._write_lock:
                self._stdin.write(frame)
                self._stdin.flush()
        except (BrokenPipeError, ValueError, OSError) as error:
            self._fail(
                message.request_id,
                WorkerExitedError(f"worker process {self.pid} cannot be written to: {error}"),
            )

    def request(self, message: pb.StreamingMessage) -> Future[pb.StreamingMessage]:
        """``expect`` and ``write`` in one step."""
        future = self.expect(message)
        self.write(message)
        return future

    def close(self, timeout: float) -> None:
        """Close stdin (the worker finishes what runs, then exits); kill it after ``timeout``."""
        with self._lock:
            self._closing = True
        try:
            with self._write_lock:
                self._stdin.close()
        except OSError:
            pass  # already gone
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning("Worker process %d did not stop in %.0f s; killed", self.pid, timeout)
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout)
        self._fail_all(WorkerPoolError(f"worker process {self.pid} was stopped"))

    def _read_frames(self) -> None:
        try:
            while (message := read_frame(self._stdout)) is not None:
                if message.WhichOneof("content") == "rpc_log":
                    self._log_sink(message.rpc_log, self.pid)
                    continue
                with self._lock:
                    future = self._pending.pop(message.request_id, None)
                if future is not None:
                    future.set_result(message)
        except (EOFError, OSError, ValueError) as error:
            logger.error("Worker process %d sent a broken frame: %s", self.pid, error)
        except Exception:
            logger.exception("Reading from worker process %d failed", self.pid)
        self._exit()

    def _exit(self) -> None:
        try:
            code: int | None = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        with self._lock:
            self._exited = True
            expected = self._closing
            unanswered = len(self._pending)
        if not expected:
            logger.error(
                "Worker process %d exited unexpectedly (exit code %s); %d requests failed. "
                "It is not restarted: its stderr above says why it died",
                self.pid,
                code,
                unanswered,
            )
        self._fail_all(
            WorkerExitedError(
                f"worker process {self.pid} exited (exit code {code}) before answering"
            )
        )

    def _fail(self, request_id: str, error: Exception) -> None:
        with self._lock:
            future = self._pending.pop(request_id, None)
        if future is not None:
            future.set_exception(error)

    def _fail_all(self, error: Exception) -> None:
        with self._lock:
            futures = list(self._pending.values())
            self._pending.clear()
        for future in futures:
            future.set_exception(error)
