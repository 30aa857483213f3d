"""Every remote call has a time budget: a store that never answers or refuses connections
costs a caller at most its budget, and a stuck one is not called again for a while."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from infra.local.emulators import AZURITE_ACCOUNT, AZURITE_KEY, LOOPBACK, free_port
from shared.adapters import transport
from shared.adapters.queues import StorageMessageQueue, queue_client
from shared.adapters.transport import CallBudget, Endpoint, breaker
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
