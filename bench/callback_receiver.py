"""A local callback receiver for the event benchmarks: an HTTP server on 127.0.0.1 that
records each POSTed event with the moment it arrived (wall clock, as an event's
`occurred_at`), then answers 204, at once or after the delay set for its path (a slow
receiver)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Arrival:
    path: str
    event: dict[str, Any]
    # time.time() when the request's body was read.
    at: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Enough for every sender's connections at once (the default, 5, refuses some).
    request_queue_size = 128

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.arrivals: list[Arrival] = []
        self.delays: dict[str, float] = {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        arrived = time.time()
        with self.server.lock:
            self.server.arrivals.append(Arrival(self.path, json.loads(body), arrived))
            delay = self.server.delays.get(self.path, 0.0)
        if delay > 0:
            time.sleep(delay)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


class CallbackReceiver:
    """Records POSTs; `url(path)` is a callback URL on it, `slow(path, seconds)` makes the
    answers to that path wait."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def url(self, path: str = "/events") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def slow(self, path: str, seconds: float) -> None:
        with self._server.lock:
            self._server.delays[path] = seconds

    @property
    def arrivals(self) -> list[Arrival]:
        """A copy of what arrived so far, in order of arrival."""
        with self._server.lock:
            return list(self._server.arrivals)

    def count(self) -> int:
        with self._server.lock:
            return len(self._server.arrivals)

    def clear(self) -> None:
        with self._server.lock:
            self._server.arrivals.clear()

    def __enter__(self) -> CallbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
