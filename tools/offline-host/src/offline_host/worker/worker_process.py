"""The worker process: ``python -m offline_host.worker.worker_process --app-root P``.

It does what Azure's Python proxy worker does around azure-functions-runtime-v1: it reads
StreamingMessage requests (frames on stdin), hands each to the library's handler in its own
asyncio task, so a slow invocation never holds up the next one, and writes the answers and
every log record as RpcLog (frames on stdout).

stdout carries the frames, so nothing else may write to it: file descriptor 1 is pointed at
stderr and ``sys.stdout`` is ``sys.stderr`` before any function is imported (functions are
imported on FunctionLoadRequest, never at start), and the frames
go out on a private duplicate of the original descriptor. A function's ``print`` lands in
the host's stderr, as it lands in the worker's console output in Azure.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import azure_functions_runtime_v1 as library

from .protocol import FRAME_HEADER, encode_frame, pb
from .rpc_log_handler import RpcLogHandler, current_invocation

# Exit status when the worker itself (not a function) breaks: the host sees the process
# end and fails what was pending, rather than waiting for an answer that will never come.
INTERNAL_ERROR_EXIT = 70
HOST_NAME = "postino-offline-host"
DEBUG_LOGGING_SETTING = "PYTHON_ENABLE_DEBUG_LOGGING"


class FrameWriter:
    """Writes whole frames to the host; log records come from pool threads too, hence the lock."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: pb.StreamingMessage) -> None:
        frame = encode_frame(message)
        with self._lock:
            self._stream.write(frame)
            self._stream.flush()


@dataclass(frozen=True)
class LibraryRequest:
    """The shape the library's handlers read: the StreamingMessage and, on init, properties."""

    request: pb.StreamingMessage
    properties: dict[str, Any] = field(default_factory=dict)


def put_app_root_first(app_root: Path) -> None:
    """Make the app's top-level packages win over any same-named module elsewhere."""
    root = str(app_root)
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)


def take_stdout() -> BinaryIO:
    """A private binary handle on the real stdout; fd 1 and ``sys.stdout`` go to stderr."""
    sys.stdout.flush()
    private = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(private, "wb")


def main(argv: list[str] | None = None) -> int:
    frames = take_stdout()
    # Ctrl-C reaches the whole process group; the host decides when workers stop (it closes
    # their stdin, after draining), and a worker whose host is gone sees its stdin end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--app-root", required=True, type=Path)
    app_root = parser.parse_args(argv).app_root.resolve()
    # What the platform does before the library runs: the app's packages (``shared``)
    # importable by their own names, the app root as working directory.
    put_app_root_first(app_root)
    os.chdir(app_root)
    writer = FrameWriter(frames)
    root = logging.getLogger()
    root.handlers = [RpcLogHandler(writer.send)]
    debug = os.environ.get(DEBUG_LOGGING_SETTING, "").lower() in ("true", "1")
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # The library runs sync functions on its own pool only once started
    # (PYTHON_THREADPOOL_THREAD_COUNT sizes it); otherwise asyncio's default one.
    library.start_threadpool_executor()
    try:
        asyncio.run(_serve(writer))
    finally:
        library.stop_threadpool_executor()
    return 0


async def _serve(writer: FrameWriter) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    tasks: set[asyncio.Task[None]] = set()
    while True:
        try:
            header = await reader.readexactly(FRAME_HEADER.size)
            body = await reader.readexactly(FRAME_HEADER.unpack(header)[0])
        except asyncio.IncompleteReadError:
            break  # the host closed our stdin: finish what is running, then exit
        task = asyncio.create_task(_answer(pb.StreamingMessage.FromString(body), writer))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)


async def _answer(message: pb.StreamingMessage, writer: FrameWriter) -> None:
    try:
        writer.send(await handle(message))
    except BaseException:
        # The library answers every failure of a function itself; reaching here is a bug
        # of this worker (or a broken pipe to the host). Die so the host notices.
        traceback.print_exc(file=sys.stderr)
        os._exit(INTERNAL_ERROR_EXIT)


async def handle(message: pb.StreamingMessage) -> pb.StreamingMessage:
    """The answer to one request, from the library's matching handler.

    Raises ValueError for a request this worker does not handle.
    """
    kind = message.WhichOneof("content")
    request_id = message.request_id
    if kind == "worker_init_request":
        response = await library.worker_init_request(
            LibraryRequest(message, {"protos": pb, "host": HOST_NAME})
        )
        return pb.StreamingMessage(request_id=request_id, worker_init_response=response)
    if kind == "function_load_request":
        response = await library.function_load_request(LibraryRequest(message))
        return pb.StreamingMessage(request_id=request_id, function_load_response=response)
    if kind == "invocation_request":
        token = current_invocation.set(message.invocation_request.invocation_id)
        try:
            response = await library.invocation_request(LibraryRequest(message))
        finally:
            current_invocation.reset(token)
        return pb.StreamingMessage(request_id=request_id, invocation_response=response)
    raise ValueError(f"the worker does not handle {kind} requests")


if __name__ == "__main__":
    sys.exit(main())
