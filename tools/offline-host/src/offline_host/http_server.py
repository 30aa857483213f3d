"""The HTTP transport: HTTP/1.1 with keep-alive, one thread per connection, at most
``ConnectionLimits.max_connections`` connections at once (the next ones wait in the listen
backlog), each read with deadlines (read_deadlines.py) so a slow client cannot keep one.

It knows nothing of functions: it parses a request, hands it to a handler and writes the
reply. It never logs request lines, since paths and queries can carry personal data.
"""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .read_deadlines import ConnectionLimits, DeadlineReader

logger = logging.getLogger(__name__)

# The real host's default limit (maxRequestBodySize): 100 MiB.
MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024
# How often the accept loop, waiting for a free connection slot, checks for a shutdown.
_SLOT_POLL_SECONDS = 0.1
_NO_BODY_STATUSES = frozenset({HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED})
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


@dataclass(frozen=True)
class IncomingRequest:
    """A parsed request. ``path`` is the raw path without the query string."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    client_address: str
    host: str

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}" + (f"?{self.query}" if self.query else "")


@dataclass(frozen=True)
class HttpReply:
    """What to send back; Content-Length is added by the transport."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


RequestHandler = Callable[[IncomingRequest], HttpReply]


class OfflineHttpServer(ThreadingHTTPServer):
    """A threading HTTP server that passes every request to ``handler``."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # listen backlog: load tests open many connections at once

    def __init__(
        self,
        address: tuple[str, int],
        handler: RequestHandler,
        limits: ConnectionLimits | None = None,
    ) -> None:
        super().__init__(address, _RequestHandler)
        self.request_handler = handler
        self.limits = limits or ConnectionLimits()
        self._active = 0
        self._idle = threading.Condition()
        self._slots = threading.BoundedSemaphore(self.limits.max_connections)
        self._closing = threading.Event()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection on a thread of its own once a slot is free. Until then the
        accept loop waits, so further connections stay in the listen backlog."""
        while not self._slots.acquire(timeout=_SLOT_POLL_SECONDS):
            if self._closing.is_set():
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def shutdown(self) -> None:
        # The accept loop may be waiting for a slot: let it see the stop first.
        self._closing.set()
        super().shutdown()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is being answered; False if one still is after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._active:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Count a request as in flight until its reply is written."""
        with self._idle:
            self._active += 1
        try:
            yield
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OfflineFunctionsHost"
    sys_version = ""
    disable_nagle_algorithm = True
    server: OfflineHttpServer
    _reader: DeadlineReader

    def setup(self) -> None:
        super().setup()
        limits = self.server.limits
        connection: socket.socket = self.connection
        # Writes wait at most the idle time; reads go through the deadlines, not through
        # the socket file setup() made.
        connection.settimeout(limits.idle_seconds)
        self.rfile.close()
        self._reader = DeadlineReader(connection, limits)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # A request that is too slow to arrive raises TimeoutError in here, which closes the
        # connection without an answer, as the real host's web server does.
        self._reader.await_request()
        super().handle_one_request()

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the default access log prints paths, which may hold personal data."""

    def _serve(self) -> None:
        with self.server.answering():
            body = self._read_body()
            if body is None:
                return
            path, _, query = self.path.partition("?")
            request = IncomingRequest(
                method=self.command.upper(),
                path=path,
                query=query,
                headers=list(self.headers.items()),
                body=body,
                client_address=str(self.client_address[0]),
                host=self.headers.get("Host") or f"{self.server.server_name}:{self.server.port}",
            )
            try:
                reply = self.server.request_handler(request)
            except Exception:
                logger.exception("The offline host failed to handle a request")
                reply = HttpReply(HTTPStatus.INTERNAL_SERVER_ERROR)
            self._send(reply)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = _serve  # noqa: N815 - http.server looks these names up

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering 400/413 for a body we will not read, or
        408 for one that came too slowly."""
        self._reader.start_body()
        try:
            return self._read_declared_body()
        except TimeoutError:
            self._refuse(HTTPStatus.REQUEST_TIMEOUT)
            return None
        finally:
            self._reader.end_body()

    def _read_declared_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        digits = raw_length.strip().lstrip("0") or "0"
        if not digits.isascii() or not digits.isdigit():
            self._refuse(HTTPStatus.BAD_REQUEST)
            return None
        # More digits than the limit has is over it, whatever they say (and int() refuses
        # numbers of thousands of digits).
        if len(digits) > len(str(MAX_REQUEST_BODY_BYTES)) or int(digits) > MAX_REQUEST_BODY_BYTES:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return None
        return self.rfile.read(int(digits))

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                self._refuse(HTTPStatus.BAD_REQUEST)
                return None
            if size == 0:
                while self.rfile.readline(8192).strip():
                    pass  # trailers are ignored
                return b"".join(chunks)
            total += size
            if total > MAX_REQUEST_BODY_BYTES:
                self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline(8)

    def _refuse(self, status: HTTPStatus) -> None:
        # The unread body makes the connection unusable: answer and close it.
        self._reader.end_body()
        self.close_connection = True
        self._send(HttpReply(status, [("Connection", "close")]))

    def _send(self, reply: HttpReply) -> None:
        try:
            self.send_response(reply.status)
            for name, value in reply.headers:
                if name.lower() not in _HOP_BY_HOP or name.lower() == "connection":
                    self.send_header(name, value)
            bodiless = reply.status in _NO_BODY_STATUSES
            if not bodiless:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD" and reply.body and not bodiless:
                self.wfile.write(reply.body)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True
