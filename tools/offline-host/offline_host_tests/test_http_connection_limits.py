"""The offline host's HTTP server keeps a bounded number of connection threads, and a client
too slow to send its request (headers dribbled, a body that never ends) loses its connection
instead of holding a thread for ever. The server runs in-process, with small limits."""

from __future__ import annotations

import http.client
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from offline_host.http_server import HttpReply, IncomingRequest, OfflineHttpServer
from offline_host.read_deadlines import ConnectionLimits

FAST = ConnectionLimits(
    max_connections=4,
    idle_seconds=30.0,
    headers_seconds=0.5,
    body_grace_seconds=0.5,
    body_min_bytes_per_second=1000.0,
)
# Far longer than any limit above: a connection still open then was never cut.
PATIENCE_SECONDS = 10.0


class Recorder:
    """The request handler: answers 200 with the body's length, noting when it ran."""

    def __init__(self) -> None:
        self.handled_at: list[float] = []

    def __call__(self, request: IncomingRequest) -> HttpReply:
        self.handled_at.append(time.monotonic())
        return HttpReply(200, [("Content-Type", "text/plain")], str(len(request.body)).encode())


@contextmanager
def serving(limits: ConnectionLimits) -> Iterator[tuple[OfflineHttpServer, Recorder]]:
    recorder = Recorder()
    server = OfflineHttpServer(("127.0.0.1", 0), recorder, limits)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, recorder
    finally:
        server.shutdown()
        server.server_close()


def _connect(server: OfflineHttpServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE_SECONDS)


def _read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes; raises TimeoutError if it never does."""
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    return received


def _closed_by_server(connection: socket.socket) -> bool:
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(4096) == b""
    except ConnectionResetError:
        return True


def test_a_client_that_never_finishes_its_headers_is_disconnected() -> None:
    with serving(FAST) as (server, recorder), _connect(server) as connection:
        # GIVEN a client that sends half a request head, then nothing
        connection.sendall(b"GET /x HTTP/1.1\r\nHost: local\r\n")
        started = time.monotonic()
        # THEN the server closes the connection, without an answer, once the head is late
        assert _read_until_closed(connection) == b""
        assert time.monotonic() - started < PATIENCE_SECONDS / 2
        assert recorder.handled_at == []


def test_a_client_dribbling_its_headers_is_disconnected() -> None:
    with serving(FAST) as (server, _), _connect(server) as connection:
        # GIVEN a client sending its head one byte every 50 ms, each byte well within the
        # per-read timeout
        connection.sendall(b"GET /x HTTP/1.1\r\nX-Slow: ")
        deadline = time.monotonic() + PATIENCE_SECONDS
        # WHEN it keeps dribbling THEN the server cuts it off long before the patience ends
        while not _closed_by_server(connection):
            assert time.monotonic() < deadline, "a dribbling client kept its connection"
            try:
                connection.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.05)


def test_a_body_that_never_completes_gets_408_and_the_connection_closes() -> None:
    with serving(FAST) as (server, recorder), _connect(server) as connection:
        # GIVEN a request that announces 10 000 bytes of body and sends 10
        connection.sendall(
            b"POST /x HTTP/1.1\r\nHost: local\r\nContent-Length: 10000\r\n\r\n0123456789"
        )
        # THEN the server answers 408 and closes, without running the handler
        answer = _read_until_closed(connection)
        assert answer.startswith(b"HTTP/1.1 408")
        assert recorder.handled_at == []


def test_a_body_arriving_at_a_steady_pace_is_read_whole() -> None:
    with serving(FAST) as (server, _), _connect(server) as connection:
        connection.sendall(b"POST /x HTTP/1.1\r\nHost: local\r\nContent-Length: 2000\r\n\r\n")
        for _ in range(4):  # 500 bytes every 100 ms: 5000 bytes/s, above the minimum rate
            connection.sendall(b"x" * 500)
            time.sleep(0.1)
        response = http.client.HTTPResponse(connection)
        response.begin()
        assert (response.status, response.read()) == (200, b"2000")


def test_keep_alive_connections_serve_one_request_after_another() -> None:
    with serving(FAST) as (server, recorder):
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=PATIENCE_SECONDS)
        try:
            for body in (b"one", b"three"):
                client.request("POST", "/x", body=body)
                assert client.getresponse().read() == str(len(body)).encode()
                # Longer than the head's limit: the idle wait between requests is not cut.
                time.sleep(FAST.headers_seconds * 1.5)
        finally:
            client.close()
        assert len(recorder.handled_at) == 2


def test_connections_beyond_the_limit_wait_until_one_closes() -> None:
    limits = ConnectionLimits(max_connections=2, idle_seconds=30.0)
    with serving(limits) as (server, recorder):
        # GIVEN as many idle connections as the server serves at once
        idle = [_connect(server) for _ in range(limits.max_connections)]
        try:
            # WHEN one more sends a whole request
            waiting = _connect(server)
            waiting.sendall(b"GET /x HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
            time.sleep(0.3)
            # AND then an idle connection closes
            closing_at = time.monotonic()
            idle.pop().close()
            # THEN the waiting request is answered, but only once a connection was free
            assert _read_until_closed(waiting).startswith(b"HTTP/1.1 200")
            assert recorder.handled_at[0] >= closing_at
            waiting.close()
        finally:
            for connection in idle:
                connection.close()


def test_server_threads_stay_within_the_connection_limit() -> None:
    limits = ConnectionLimits(max_connections=3, idle_seconds=30.0)
    before = threading.active_count()
    with serving(limits) as (server, _):
        connections = [_connect(server) for _ in range(12)]
        try:
            time.sleep(0.3)
            # The accept loop's thread, plus one per connection served.
            assert threading.active_count() - before <= 1 + limits.max_connections
        finally:
            for connection in connections:
                connection.close()


def test_stopping_does_not_wait_for_a_free_connection() -> None:
    limits = ConnectionLimits(max_connections=1, idle_seconds=30.0)
    recorder = Recorder()
    server = OfflineHttpServer(("127.0.0.1", 0), recorder, limits)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    busy, waiting = _connect(server), _connect(server)
    try:
        started = time.monotonic()
        server.shutdown()
        server.server_close()
        assert time.monotonic() - started < 5
        thread.join(5)
        assert not thread.is_alive()
    finally:
        busy.close()
        waiting.close()
