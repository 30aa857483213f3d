"""Reading a connection with deadlines, so that a slow or silent client cannot hold a
connection (and its thread) for ever.

A socket timeout alone bounds each read, not the request: a client sending one header byte
a minute, or a body that never ends, would keep a thread as long as it liked. So, as the real
host's web server (Kestrel) does by default:

- a kept-alive connection may wait ``idle_seconds`` for its next request;
- once a request's first byte came, its request line and headers must be in within
  ``headers_seconds`` (Kestrel's RequestHeadersTimeout, 30 s);
- its body must keep coming at ``body_min_bytes_per_second`` on average after a grace of
  ``body_grace_seconds`` (Kestrel's MinRequestBodyDataRate, 240 bytes/s after 5 s).

A read that would pass its deadline raises TimeoutError.
"""

from __future__ import annotations

import enum
import io
import socket
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectionLimits:
    """How many connections the server serves at once, and how long a client may take."""

    # Each connection has a thread; more wait in the listen backlog until one closes.
    max_connections: int = 256
    idle_seconds: float = 120.0
    headers_seconds: float = 30.0
    body_grace_seconds: float = 5.0
    body_min_bytes_per_second: float = 240.0


class _Phase(enum.Enum):
    AWAITING_REQUEST = "awaiting request"
    HEAD = "head"
    BODY = "body"
    ANSWERING = "answering"


class DeadlineReader(io.RawIOBase):
    """The connection's socket as a raw stream, each read bounded by the request's phase.

    The handler says where the request is (``await_request``, ``start_body``, ``end_body``);
    the head's clock starts with the request's first byte.
    """

    def __init__(self, connection: socket.socket, limits: ConnectionLimits) -> None:
        super().__init__()
        self._connection = connection
        self._limits = limits
        self._phase = _Phase.AWAITING_REQUEST
        self._head_deadline = 0.0
        self._body_started = 0.0
        self._body_received = 0

    def readable(self) -> bool:
        return True

    def await_request(self) -> None:
        """The next read waits for a new request, at most the idle time."""
        self._phase = _Phase.AWAITING_REQUEST

    def start_body(self) -> None:
        """The head is in; reads now take the body, at the minimum rate."""
        self._phase = _Phase.BODY
        self._body_started = time.monotonic()
        self._body_received = 0

    def end_body(self) -> None:
        """The body is in (or abandoned): the socket gets back its idle timeout, which its
        writes use too."""
        self._phase = _Phase.ANSWERING
        self._connection.settimeout(self._limits.idle_seconds)

    def _seconds_left(self) -> float:
        limits = self._limits
        if self._phase is _Phase.HEAD:
            return self._head_deadline - time.monotonic()
        if self._phase is _Phase.BODY:
            allowed = limits.body_grace_seconds + (
                self._body_received / limits.body_min_bytes_per_second
            )
            return self._body_started + allowed - time.monotonic()
        return limits.idle_seconds

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        left = self._seconds_left()
        if left <= 0:
            raise TimeoutError(f"the client was too slow to send the {self._phase.value}")
        self._connection.settimeout(min(left, self._limits.idle_seconds))
        received = self._connection.recv_into(buffer)
        if self._phase is _Phase.AWAITING_REQUEST and received:
            self._phase = _Phase.HEAD
            self._head_deadline = time.monotonic() + self._limits.headers_seconds
        elif self._phase is _Phase.BODY:
            self._body_received += received
        return received
