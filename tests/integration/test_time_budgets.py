"""Every remote call has a time budget: a store that never answers or refuses connections
costs a caller at most its budget, and a stuck one is not called again for a while."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local.emulators import AZURITE_ACCOUNT, AZURITE_KEY, LOOPBACK, free_port
from shared.adapters import transport
from shared.adapters.cosmos_messages import SCAN_READ_TIMEOUT_SECONDS
from shared.adapters.direct_http import DirectWire
from shared.adapters.queues import StorageMessageQueue, queue_client
from shared.adapters.transport import BUDGETS, CallBudget, Endpoint, breaker
from shared.bootstrap import build_app
from shared.config import StorageConnectionString
from shared.deadline import time_budget
from shared.domain.errors import StorageUnavailableError
from shared.domain.message_ref import MessageRef

REF = MessageRef(message_id="01JA000000000000000000000A", fiscal_code="RSSMRA80A01H501U")


class BlackHole:
    """Accepts connections and reads requests, never answers."""

    def __init__(self) -> None:
        self._server = socket.create_server((LOOPBACK, 0))
        self.port = self._server.getsockname()[1]
        self.connections = 0
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            self._held.append(connection)

    def close(self) -> None:
        self._server.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    yield hole
    hole.close()


@pytest.fixture
def quick_queue_budget(monkeypatch: pytest.MonkeyPatch) -> CallBudget:
    """A queue budget short enough for a test: 1 s per attempt, no retry."""
    budget = CallBudget(connect_seconds=1.0, read_seconds=1.0, retries=0, backoff_seconds=0.1)
    monkeypatch.setitem(transport.BUDGETS, Endpoint.QUEUE, budget)
    return budget


def _queue_at(port: int) -> StorageMessageQueue:
    storage = StorageConnectionString(
        "DefaultEndpointsProtocol=http;"
        f"AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"QueueEndpoint=http://{LOOPBACK}:{port}/{AZURITE_ACCOUNT};"
    )
    return StorageMessageQueue(queue_client(storage, "messages-created"))


def _timed_send(queue: StorageMessageQueue) -> float:
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError):
        queue.send(REF)
    return time.monotonic() - started


def test_a_store_that_never_answers_costs_a_request_at_most_its_deadline(black_hole):
    # GIVEN a queue endpoint that accepts and never answers, with the default budget
    queue = _queue_at(black_hole.port)
    # WHEN an HTTP request (a 1.5 s budget here) sends to it
    with time_budget(1.5):
        took = _timed_send(queue)
    # THEN the request gets its error within its deadline, not after the SDK's minute
    assert took < 2.5


def test_a_refused_connection_fails_within_a_second():
    queue = _queue_at(free_port())  # nothing listens there
    assert _timed_send(queue) < 1.5


def test_after_two_timeouts_the_stuck_endpoint_is_not_called_for_a_while(
    black_hole, quick_queue_budget
):
    # GIVEN two calls that each waited their whole timeout
    queue = _queue_at(black_hole.port)
    for _ in range(2):
        assert _timed_send(queue) >= quick_queue_budget.read_seconds * 0.9
    connections = black_hole.connections
    # WHEN a third call is made
    took = _timed_send(queue)
    # THEN it fails at once, never sent
    assert took < 0.2
    assert black_hole.connections == connections
    assert not breaker(Endpoint.QUEUE).allow()


def test_a_stuck_queue_leaves_the_other_endpoints_callable(black_hole, quick_queue_budget):
    queue = _queue_at(black_hole.port)
    for _ in range(2):
        _timed_send(queue)
    assert not breaker(Endpoint.QUEUE).allow()
    assert breaker(Endpoint.COSMOS).allow()
    assert breaker(Endpoint.BLOB).allow()


def test_point_calls_get_the_budget_and_the_sweepers_scan_its_longer_read(
    local_stack, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN the app's Cosmos client, every attempt's timeouts recorded as sent
    applied: list[tuple[str, float]] = []
    send = DirectWire.send

    def recording(self: DirectWire, request: Any, **kwargs: Any) -> Any:
        if "/docs" in request.url:  # not the SDK's own account look-ups (3 s, its choice)
            applied.append((request.method, kwargs["read_seconds"]))
        return send(self, request, **kwargs)

    monkeypatch.setattr(DirectWire, "send", recording)
    messages = build_app(local_stack.settings).messages
    # WHEN it reads a message, then scans for stale ones
    applied.clear()
    messages.get("RSSMRA80A01H501U", "01JA000000000000000000000Z")
    point = list(applied)
    applied.clear()
    messages.stale_accepted(datetime.now(UTC) - timedelta(days=365), 1)
    # THEN the point read had the budget's read timeout, the scan its own
    assert {timeout for _, timeout in point} == {BUDGETS[Endpoint.COSMOS].read_seconds}
    assert SCAN_READ_TIMEOUT_SECONDS in {timeout for method, timeout in applied if method == "POST"}


def test_while_the_breaker_is_open_the_sdks_retries_do_not_wait_either(black_hole):
    # GIVEN the queue's breaker open, and the default budget (2 retries, 0.2 s apart)
    for _ in range(2):
        breaker(Endpoint.QUEUE).record_timeout()
    # WHEN a send is made
    took = _timed_send(_queue_at(black_hole.port))
    # THEN every attempt is refused at once, with no wait in between
    assert took < 0.1
    assert black_hole.connections == 0
