"""The Azure SDKs' calls to Cosmos DB and the queues, carried straight over http.client.

The SDKs' own transport goes through requests and urllib3, which on a small call costs as
much CPU as the rest of the SDK together (about half of a Cosmos point write's client time,
measured; docs/scaling.md section 10). Those calls are small, their bodies are bytes, and
their answers are read whole, so a connection pool and http.client carry them as well.
Anything else (a streamed answer, a file upload, a body that is a stream, a proxy) goes on
through requests: `DirectWire.carries` says which.

What the SDKs rely on is kept: an error before the request could be sent whole is a
ServiceRequestError (nothing reached the service), a later one a ServiceResponseError (it may
have), each a ...TimeoutError when a timeout ended it; a connection is reused only after its
answer was read whole, and one the server has closed while idle is never reused.
"""

from __future__ import annotations

import http.client
import select
import ssl
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import certifi
from azure.core.exceptions import (
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest

# azure-core's own answers over an http.client response (pinned in requirements.txt).
from azure.core.pipeline.transport._base import HttpClientTransportResponse
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl import RestHttpClientTransportResponse

# (scheme, host and port, how certificates are verified): connections are interchangeable
# within one key.
_PoolKey = tuple[str, str, str]


def _body(request: HttpRequest | LegacyHttpRequest) -> bytes | None:
    data = request.data
    if isinstance(data, str):
        return data.encode("utf-8")  # JSON bodies; http.client would encode Latin-1
    return data if isinstance(data, bytes) or data is None else None


class DirectWire:
    """Sends one request on a pooled http.client connection and reads its answer whole."""

    def __init__(self, *, pool_size: int, ca_bundle: str | None = None) -> None:
        self._pool_size = pool_size
        self._ca_bundle = ca_bundle or certifi.where()
        self._idle: dict[_PoolKey, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._contexts: dict[str, ssl.SSLContext] = {}

    @staticmethod
    def carries(request: HttpRequest | LegacyHttpRequest, kwargs: dict[str, Any]) -> bool:
        """Whether this wire can carry the call: its answer is not streamed, it has no files,
        and its body is bytes, text or nothing."""
        if kwargs.get("stream") or request.files:
            return False
        if urlsplit(request.url).scheme not in ("http", "https"):
            return False
        return request.data is None or isinstance(request.data, str | bytes)

    def send(
        self,
        request: HttpRequest | LegacyHttpRequest,
        *,
        connect_seconds: float,
        read_seconds: float,
        verify: bool | str,
    ) -> Any:
        """The answer, read whole: a legacy or a rest response, as the request."""
        url = urlsplit(request.url)
        key: _PoolKey = (url.scheme, url.netloc, str(verify))
        outgoing = _Outgoing(
            method=request.method,
            target=(url.path or "/") + (f"?{url.query}" if url.query else ""),
            body=_body(request),
            headers=dict(request.headers),
        )
        connection, reused = self._take(key, connect_seconds, verify)
        try:
            try:
                _send_on(connection, outgoing, read_seconds)
            except ServiceRequestError:
                if not reused:
                    raise
                # The server closed the kept-alive connection as we used it: nothing of this
                # request reached it; once more on a new connection.
                connection.close()
                connection = self._new(key, connect_seconds, verify)
                _send_on(connection, outgoing, read_seconds)
            answer = _read_answer(request, connection)
        except BaseException:
            connection.close()
            raise
        if answer.internal_response.will_close:
            connection.close()
        else:
            self._give_back(key, connection)
        return answer

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _take(
        self, key: _PoolKey, connect_seconds: float, verify: bool | str
    ) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection still open (and whether it is one), else a new one."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                connection = idle.pop() if idle else None
            if connection is None:
                return self._new(key, connect_seconds, verify), False
            if _still_open(connection):
                return connection, True
            connection.close()

    def _give_back(self, key: _PoolKey, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self._pool_size:
                idle.append(connection)
                return
        connection.close()

    def _new(
        self, key: _PoolKey, connect_seconds: float, verify: bool | str
    ) -> http.client.HTTPConnection:
        scheme, netloc, _ = key
        if scheme == "https":
            return http.client.HTTPSConnection(
                netloc, timeout=connect_seconds, context=self._context(verify)
            )
        return http.client.HTTPConnection(netloc, timeout=connect_seconds)

    def _context(self, verify: bool | str) -> ssl.SSLContext:
        name = str(verify)
        with self._lock:
            context = self._contexts.get(name)
            if context is None:
                if verify is False:
                    context = ssl.create_default_context()
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                else:
                    bundle = verify if isinstance(verify, str) else self._ca_bundle
                    context = ssl.create_default_context(cafile=bundle)
                self._contexts[name] = context
            return context


@dataclass(frozen=True)
class _Outgoing:
    method: str
    target: str  # the path and query
    body: bytes | None
    headers: dict[str, str]


def _send_on(
    connection: http.client.HTTPConnection, outgoing: _Outgoing, read_seconds: float
) -> None:
    try:
        if connection.sock is None:
            connection.connect()
        connection.sock.settimeout(read_seconds)
        connection.request(
            outgoing.method, outgoing.target, body=outgoing.body, headers=outgoing.headers
        )
    except TimeoutError as timeout:
        raise ServiceRequestTimeoutError(f"not sent in time: {timeout}") from timeout
    except (OSError, http.client.HTTPException) as refused:
        raise ServiceRequestError(f"the request was not sent: {refused}") from refused


def _read_answer(
    request: HttpRequest | LegacyHttpRequest, connection: http.client.HTTPConnection
) -> Any:
    try:
        raw = connection.getresponse()
        if isinstance(request, HttpRequest):
            answer: Any = RestHttpClientTransportResponse(  # type: ignore[no-untyped-call]
                request=request, internal_response=raw
            )
            answer.read()
        else:
            answer = HttpClientTransportResponse(request, raw)  # type: ignore[no-untyped-call]
            answer.body()
    except TimeoutError as timeout:
        raise ServiceResponseTimeoutError(f"no answer in time: {timeout}") from timeout
    except (OSError, http.client.HTTPException) as lost:
        raise ServiceResponseError(f"the answer was lost: {lost}") from lost
    return answer


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle connection can carry a request: a socket with something to read
    while idle has been closed by the server (or holds bytes nobody asked for)."""
    sock = connection.sock
    if sock is None:
        return True  # not connected yet: it connects when used
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable
