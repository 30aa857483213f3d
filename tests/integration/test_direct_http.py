"""The direct wire against a scripted HTTP server on loopback: connections are kept and
reused, never one the server closed, and each failure is a request error (nothing reached
the server) or a response error (it may have), as the SDKs' retry policies expect."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from azure.core.exceptions import (
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.rest import HttpRequest

from infra.local.emulators import LOOPBACK, free_port
from shared.adapters import direct_http
from shared.adapters.direct_http import DirectWire

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
OK_THEN_CLOSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

# What the server does with one request on a connection: returns whether to keep it open.
Reply = Callable[[socket.socket, bytes], bool]


def answer(raw: bytes) -> Reply:
    def reply(conn: socket.socket, _request: bytes) -> bool:
        conn.sendall(raw)
        return b"Connection: close" not in raw

    return reply


def hang_up(conn: socket.socket, _request: bytes) -> bool:
    return False  # read the request whole, answer nothing


def answer_then_drop(conn: socket.socket, _request: bytes) -> bool:
    conn.sendall(OK)  # a keep-alive answer, then the connection closed
    return False


def stay_silent(conn: socket.socket, _request: bytes) -> bool:
    threading.Event().wait(1.5)
    return False


@dataclass
class ScriptedServer:
    """Answers the requests it reads, in order, as its script says (then 200 ok)."""

    port: int
    script: list[Reply] = field(default_factory=list)
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self) -> Reply:
        with self._lock:
            return self.script.pop(0) if self.script else answer(OK)

    def serve(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn:
            while (request := _read_request(conn)) is not None:
                with self._lock:
                    self.requests.append(request)
                if not self.next_reply()(conn, request):
                    return


def _read_request(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    listener = socket.socket()
    listener.bind((LOOPBACK, free_port()))
    listener.listen()
    scripted = ScriptedServer(port=listener.getsockname()[1])
    threading.Thread(target=scripted.serve, args=(listener,), daemon=True).start()
    yield scripted
    listener.close()


def _wire_holding_a_dropped_connection(server: ScriptedServer) -> DirectWire:
    """A wire whose one kept connection the server has since closed."""
    server.script.append(answer_then_drop)
    wire = DirectWire(pool_size=4)
    _send(wire, server)
    threading.Event().wait(0.2)
    return wire


def _counting_writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a request is written from now on (one count, in a list)."""
    writes = [0]
    write = direct_http._send_on

    def counted(*args: Any) -> None:
        writes[0] += 1
        write(*args)

    monkeypatch.setattr(direct_http, "_send_on", counted)
    return writes


def _send(wire: DirectWire, server: ScriptedServer, request: object = None) -> object:
    sent = request or HttpRequest("POST", f"http://{LOOPBACK}:{server.port}/docs", content=b"{}")
    return wire.send(sent, connect_seconds=1, read_seconds=0.5, verify=True)  # type: ignore[arg-type]


def test_calls_one_after_another_share_one_connection(server: ScriptedServer) -> None:
    wire = DirectWire(pool_size=4)
    answers = [_send(wire, server) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]  # type: ignore[attr-defined]
    assert [a.text() for a in answers] == ["ok", "ok", "ok"]  # type: ignore[attr-defined]
    assert server.connections == 1


def test_legacy_requests_get_legacy_answers_read_whole(server: ScriptedServer) -> None:
    wire = DirectWire(pool_size=4)
    request = LegacyHttpRequest("PUT", f"http://{LOOPBACK}:{server.port}/q/messages")
    request.set_bytes_body(b"<QueueMessage/>")
    got = _send(wire, server, request)
    assert got.status_code == 200  # type: ignore[attr-defined]
    assert got.body() == b"ok"  # type: ignore[attr-defined]
    assert server.requests[0].endswith(b"<QueueMessage/>")


def test_text_bodies_go_out_as_utf8(server: ScriptedServer) -> None:
    wire = DirectWire(pool_size=4)
    request = LegacyHttpRequest("POST", f"http://{LOOPBACK}:{server.port}/docs")
    request.data = '{"text":"città €"}'
    _send(wire, server, request)
    assert server.requests[0].endswith('{"text":"città €"}'.encode())


def test_a_connection_the_server_closes_is_not_reused(server: ScriptedServer) -> None:
    # GIVEN an answer that says the server closes the connection
    server.script.append(answer(OK_THEN_CLOSE))
    wire = DirectWire(pool_size=4)
    _send(wire, server)
    # WHEN the next call is made, THEN it goes out on a new connection, and lands
    assert _send(wire, server).status_code == 200  # type: ignore[attr-defined]
    assert server.connections == 2


def test_an_idle_connection_the_server_dropped_is_replaced(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a kept connection that the server closes while it is idle (its idle timeout)
    wire = _wire_holding_a_dropped_connection(server)
    writes = _counting_writes(monkeypatch)
    # WHEN the next call is made, THEN it lands on a new connection, with no error, and
    # without first writing to the closed one
    assert _send(wire, server).status_code == 200  # type: ignore[attr-defined]
    assert server.connections == 2
    assert writes == [1]


def test_a_kept_connection_that_fails_as_it_is_written_is_replaced_once(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a kept connection the server dropped, not yet seen as closed when it is taken
    wire = _wire_holding_a_dropped_connection(server)
    monkeypatch.setattr(direct_http, "_still_open", lambda connection: True)
    writes = _counting_writes(monkeypatch)
    # WHEN the next call is made, THEN its write fails, and it is sent once more, on a new one
    assert _send(wire, server).status_code == 200  # type: ignore[attr-defined]
    assert server.connections == 2
    assert writes == [2]


def test_a_reply_lost_after_the_request_was_read_is_a_response_error(
    server: ScriptedServer,
) -> None:
    server.script.append(hang_up)
    with pytest.raises(ServiceResponseError) as lost:
        _send(DirectWire(pool_size=4), server)
    assert not isinstance(lost.value, ServiceRequestError)
    assert len(server.requests) == 1  # the request did reach the server


def test_no_answer_in_time_is_a_response_timeout(server: ScriptedServer) -> None:
    server.script.append(stay_silent)
    with pytest.raises(ServiceResponseTimeoutError):
        _send(DirectWire(pool_size=4), server)


def test_nobody_listening_is_a_request_error() -> None:
    wire = DirectWire(pool_size=4)
    request = HttpRequest("GET", f"http://{LOOPBACK}:{free_port()}/")
    with pytest.raises(ServiceRequestError):
        wire.send(request, connect_seconds=0.5, read_seconds=0.5, verify=True)


def test_the_pool_keeps_at_most_its_size(server: ScriptedServer) -> None:
    # GIVEN three calls at once on a pool of two
    wire = DirectWire(pool_size=2)
    started = threading.Barrier(3)

    def slow(conn: socket.socket, _request: bytes) -> bool:
        started.wait(2)  # every answer waits until all three calls are in
        conn.sendall(OK)
        return True

    def three_at_once() -> None:
        server.script.extend([slow, slow, slow])
        threads = [threading.Thread(target=_send, args=(wire, server)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    three_at_once()
    # WHEN three more calls are made at once
    three_at_once()
    # THEN two connections were kept and used again, and the third call opened a new one
    assert server.connections == 4
    assert len(server.requests) == 6
