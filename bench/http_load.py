"""POST messages to CreateMessage over HTTP from a fixed number of threads, each with its
own keep-alive connection, recording every request's latency and status.

Two clients: `requests` (a Session per thread, what most callers use) and `http.client`
(a bare HTTPConnection per thread). On a small machine the load generator competes with
the stack for the same cores; `http.client` spends about a third of the CPU per request.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

import requests

API_KEY_HEADER = "Ocp-Apim-Subscription-Key"
CREATED = 201
# A request that never got an answer (refused, reset, timed out) counts under this status.
NO_ANSWER = 0
REQUEST_TIMEOUT_SECONDS = 60
MAX_KEPT_ERRORS = 5
# A connection idle longer than this is opened anew before a burst (untimed): the offline
# host closes connections idle for 120 s, and a benchmark may wait a minute or two between
# bursts (for Azurite's sweep); writing on a connection the server closed is a broken pipe.
MAX_IDLE_SECONDS = 30.0
REQUESTS = "requests"
HTTP_CLIENT = "http.client"
CLIENTS = (REQUESTS, HTTP_CLIENT)


class _Connection(Protocol):
    def post(self, path: str, body: bytes) -> tuple[int, str]: ...

    def reopen(self) -> None: ...

    def close(self) -> None: ...


class _SessionConnection:
    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self._base_url = base_url
        self._session = requests.Session()
        self._session.headers.update(headers)

    def post(self, path: str, body: bytes) -> tuple[int, str]:
        response = self._session.post(
            self._base_url + path, data=body, timeout=REQUEST_TIMEOUT_SECONDS
        )
        return response.status_code, response.text

    def reopen(self) -> None:
        self._session.close()  # its pools are cleared; the next request connects anew

    def close(self) -> None:
        self._session.close()


class _BareConnection:
    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        address = urlsplit(base_url)
        self._headers = headers
        self._connection = http.client.HTTPConnection(
            address.hostname or "127.0.0.1", address.port, timeout=REQUEST_TIMEOUT_SECONDS
        )

    def post(self, path: str, body: bytes) -> tuple[int, str]:
        try:
            self._connection.request("POST", path, body=body, headers=self._headers)
            response = self._connection.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            self._connection.close()  # the next request opens a new connection
            raise

    def reopen(self) -> None:
        self._connection.close()
        self._connection.connect()

    def close(self) -> None:
        self._connection.close()


@dataclass
class PostResult:
    """One burst of POSTs: when it started (epoch seconds), how long it took, and how
    each request went."""

    started_at: float
    wall_seconds: float
    latencies_ms: list[float]
    statuses: Counter[int]
    errors: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def failed(self) -> int:
        return self.count - self.statuses[CREATED]

    @property
    def per_second(self) -> float:
        return self.count / self.wall_seconds


class MessagePoster:
    """`concurrency` threads posting one request body, each over its own connection.

    The connections outlive a burst, so the timed burst reuses those the warm-up opened,
    as a client sending steadily would; those idle for over MAX_IDLE_SECONDS since are
    opened anew before the burst starts, as such a client's would have been kept open.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        body: bytes,
        concurrency: int,
        *,
        client: str = REQUESTS,
    ) -> None:
        if client not in CLIENTS:
            raise ValueError(f"unknown HTTP client {client!r}; one of {CLIENTS}")
        kind = _SessionConnection if client == REQUESTS else _BareConnection
        headers = {API_KEY_HEADER: api_key, "Content-Type": "application/json"}
        self._body = body
        self._connections: list[_Connection] = [kind(base_url, headers) for _ in range(concurrency)]
        self._last_burst_ended: float | None = None

    def close(self) -> None:
        for connection in self._connections:
            connection.close()

    def post(self, count: int, fiscal_codes: list[str]) -> PostResult:
        """POST `count` messages, spread round-robin over `fiscal_codes`."""
        ended = self._last_burst_ended
        if ended is not None and time.monotonic() - ended > MAX_IDLE_SECONDS:
            for connection in self._connections:
                connection.reopen()
        paths = [f"/api/v1/messages/{code}" for code in fiscal_codes]
        next_index = iter(range(count))
        take = threading.Lock()
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        errors: list[str] = []
        record = threading.Lock()
        start = threading.Barrier(len(self._connections) + 1)

        def worker(connection: _Connection) -> None:
            start.wait()
            while True:
                with take:
                    index = next(next_index, None)
                if index is None:
                    return
                began = time.perf_counter()
                try:
                    status, text = connection.post(paths[index % len(paths)], self._body)
                    error = text[:300]
                # requests' errors are OSErrors too
                except (OSError, http.client.HTTPException) as exc:
                    status, error = NO_ANSWER, f"{type(exc).__name__}: {exc}"
                elapsed_ms = (time.perf_counter() - began) * 1000
                with record:
                    latencies.append(elapsed_ms)
                    statuses[status] += 1
                    if status != CREATED and len(errors) < MAX_KEPT_ERRORS:
                        errors.append(f"{status}: {error}")

        threads = [
            threading.Thread(target=worker, args=(connection,), name=f"poster-{number}")
            for number, connection in enumerate(self._connections)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        started_at, began = time.time(), time.perf_counter()
        for thread in threads:
            thread.join()
        wall_seconds = time.perf_counter() - began
        self._last_burst_ended = time.monotonic()
        return PostResult(
            started_at=started_at,
            wall_seconds=wall_seconds,
            latencies_ms=latencies,
            statuses=statuses,
            errors=errors,
        )
