"""A recording upstream for the fault proxy, and proxies that stop with the test."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable, Iterator

import pytest

from infra.local.faults.proxy import FaultProxy

LOOPBACK = "127.0.0.1"
REPLY_PREFIX = b"reply:"
WAIT_SECONDS = 5.0


class UpstreamConnection:
    """What one connection to the upstream received, and whether it has ended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received = bytearray()
        self.ended = threading.Event()

    def record(self, data: bytes) -> None:
        with self._lock:
            self._received += data

    @property
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)


class RecordingUpstream(socketserver.ThreadingTCPServer):
    """Answers each chunk it receives with REPLY_PREFIX + the chunk, after recording it."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self) -> None:
        self.connections: list[UpstreamConnection] = []
        self._lock = threading.Lock()
        self._connected = threading.Condition(self._lock)
        super().__init__((LOOPBACK, 0), _RecordingHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def new_connection(self) -> UpstreamConnection:
        connection = UpstreamConnection()
        with self._connected:
            self.connections.append(connection)
            self._connected.notify_all()
        return connection

    def connection(self, index: int) -> UpstreamConnection:
        """The `index`th connection the upstream accepted, waiting for it if need be."""
        with self._connected:
            if not self._connected.wait_for(
                lambda: len(self.connections) > index, timeout=WAIT_SECONDS
            ):
                raise AssertionError(f"the upstream never got connection {index}")
            return self.connections[index]

    def received(self) -> bytes:
        with self._lock:
            connections = list(self.connections)
        return b"".join(connection.received for connection in connections)


class _RecordingHandler(socketserver.BaseRequestHandler):
    server: RecordingUpstream

    def handle(self) -> None:
        connection = self.server.new_connection()
        try:
            while data := self.request.recv(65536):
                connection.record(data)
                self.request.sendall(REPLY_PREFIX + data)
        except OSError:
            pass
        finally:
            connection.ended.set()


@pytest.fixture
def upstream() -> Iterator[RecordingUpstream]:
    server = RecordingUpstream()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def start_proxy() -> Iterator[Callable[..., FaultProxy]]:
    """Starts a FaultProxy (the FaultProxy arguments) and stops it after the test."""
    started: list[FaultProxy] = []

    def start(upstream_port: int, *, name: str = "test", seed: int | None = None) -> FaultProxy:
        proxy = FaultProxy(LOOPBACK, upstream_port, name=name, seed=seed).start()
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


@pytest.fixture
def proxy(upstream: RecordingUpstream, start_proxy: Callable[..., FaultProxy]) -> FaultProxy:
    return start_proxy(upstream.port)


def connect(port: int, *, timeout: float = WAIT_SECONDS) -> socket.socket:
    sock = socket.create_connection((LOOPBACK, port), timeout=timeout)
    return sock


def exchange(sock: socket.socket, payload: bytes) -> bytes:
    """Send `payload` and read the upstream's whole reply to it."""
    sock.sendall(payload)
    expected = len(REPLY_PREFIX) + len(payload)
    reply = b""
    while len(reply) < expected:
        chunk = sock.recv(65536)
        if not chunk:
            break
        reply += chunk
    return reply
