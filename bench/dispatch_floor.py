"""The floor of event dispatch: the storage operations one dispatch makes, and its delivery,
done directly with the SDKs and http.client on the worker's number of threads, with nothing
of Postino's in between (no models, no signing, no domain rules).

Per event, as the host and DispatchEvent make them (bench.dispatch_calls counts them):
- the host: its share of a batched queue receive (host.json's batchSize and
  newBatchThreshold), then a queue delete once the function returns;
- both kinds: a point read of the message, a conditional replace claiming its event;
- a status callback: one POST to the local receiver (a new connection each time, closed
  after, as the callback sender does), then a conditional replace removing the event;
- a new-message push: a point read of the citizen's profile, a send to the push queue, a
  conditional replace removing the event (noting the push), an upsert of the message's
  entry in its service's index.

The service is read from the app's cache (one read per service every
SERVICE_CACHE_TTL_SECONDS), so the floor reads none. Each thread has clients of its own.
"""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy
from azure.storage.queue import QueueClient, QueueMessage

from bench.dispatch_scenario import bare_database, bare_queue
from bench.pipeline_stack import BenchStack
from infra.local.emulators import PROJECT_ROOT
from shared.storage_layout import ContainerName

RECEIVE_VISIBILITY_SECONDS = 600
EMPTY_QUEUE_PATIENCE_SECONDS = 30.0
MAX_KEPT_ERRORS = 5
CLAIM_LEASE = timedelta(seconds=60)
HOLDER = "bench-floor"


def host_batching() -> tuple[int, int]:
    """host.json's queue batchSize and newBatchThreshold, as the host receives."""
    queues = json.loads((PROJECT_ROOT / "host.json").read_text(encoding="utf-8"))["extensions"][
        "queues"
    ]
    batch = int(queues.get("batchSize", 16))
    return batch, int(queues.get("newBatchThreshold", batch // 2))


@dataclass(frozen=True)
class FloorEvent:
    """What the floor needs of one event, prepared before it is timed."""

    message_id: str
    fiscal_code: str
    service_id: str
    # A callback's URL and body; None for a push.
    callback_url: str | None
    body: bytes
    # The push queue's message (the push as the push sender writes it); "" for a callback.
    push_payload: str


@dataclass
class FloorRun:
    count: int
    # time.time() of each push's delivery (after its send returned).
    pushed_at: dict[str, float] = field(default_factory=dict)
    failures: int = 0
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def failed(self, error: Exception) -> None:
        with self._lock:
            self.failures += 1
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(f"{type(error).__name__}: {str(error)[:300]}")

    def pushed(self, message_id: str) -> None:
        at = time.time()
        with self._lock:
            self.pushed_at[message_id] = at


@dataclass(frozen=True)
class _Clients:
    messages: ContainerProxy
    profiles: ContainerProxy
    index: ContainerProxy
    refs: QueueClient
    pushes: QueueClient


def _post(url: str, body: bytes) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request(
            "POST",
            parts.path,
            body,
            {"Content-Type": "application/json", "Connection": "close"},
        )
        return connection.getresponse().status
    finally:
        connection.close()


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class DispatchFloor:
    """Dispatches a backlog of event references with the bare SDKs on `threads` threads."""

    def __init__(
        self, stack: BenchStack, *, refs_queue: str, push_queue: str, threads: int
    ) -> None:
        self._batch, self._threshold = host_batching()
        # One more set of clients for the receiving loop; each its own database client,
        # so no connection pool is shared.
        self._clients = [
            self._own_clients(stack, refs_queue, push_queue) for _ in range(threads + 1)
        ]

    @staticmethod
    def _own_clients(stack: BenchStack, refs_queue: str, push_queue: str) -> _Clients:
        database = bare_database(stack)
        return _Clients(
            messages=database.get_container_client(ContainerName.MESSAGES),
            profiles=database.get_container_client(ContainerName.PROFILES),
            index=database.get_container_client(ContainerName.SERVICE_MESSAGES),
            refs=bare_queue(stack, refs_queue),
            pushes=bare_queue(stack, push_queue),
        )

    def _dispatch(self, clients: _Clients, event: FloorEvent, run: FloorRun) -> None:
        document = clients.messages.read_item(event.message_id, partition_key=event.fiscal_code)
        now = datetime.now(UTC)
        pending = document["outbox"][0]
        until = now + CLAIM_LEASE
        pending.update(
            claimed_by=HOLDER, claimed_until=_stamp(until), due_at=_stamp(until + CLAIM_LEASE)
        )
        document = clients.messages.replace_item(
            document["id"],
            document,
            etag=document["_etag"],
            match_condition=MatchConditions.IfNotModified,
        )
        if event.callback_url is None:
            clients.profiles.read_item(event.fiscal_code, partition_key=event.fiscal_code)
            clients.pushes.send_message(event.push_payload)
            run.pushed(event.message_id)
            document["pushed_at"] = _stamp(datetime.now(UTC))
        else:
            status = _post(event.callback_url, event.body)
            if not 200 <= status < 300:
                raise RuntimeError(f"the receiver answered {status}")
        document["outbox"] = []
        document.pop("outbox_due_ts", None)
        clients.messages.replace_item(
            document["id"],
            document,
            etag=document["_etag"],
            match_condition=MatchConditions.IfNotModified,
        )
        if event.callback_url is None:
            clients.index.upsert_item(
                {
                    "id": event.message_id,
                    "service_id": event.service_id,
                    "created_us": int(now.timestamp() * 1_000_000),
                    "status": "PROCESSED",
                    "status_changed_us": int(now.timestamp() * 1_000_000),
                    "reference": None,
                    "rejection_reason": None,
                    "read": False,
                    "test": False,
                    "pushes": 1,
                }
            )

    def run(self, events: dict[str, FloorEvent], release: float) -> FloorRun:
        """Receive the references of `events` (keyed by event id) from the refs queue once
        they are released, dispatch each on the worker threads; what happened."""
        run = FloorRun(count=len(events))
        work: queue.Queue[QueueMessage | None] = queue.Queue()
        in_flight = _InFlight()

        def worker(clients: _Clients) -> None:
            while (message := work.get()) is not None:
                try:
                    ref = json.loads(message.content)
                    self._dispatch(clients, events[ref["event_id"]], run)
                    clients.refs.delete_message(message)
                except Exception as error:  # a benchmark reports failures, it does not stop
                    run.failed(error)
                in_flight.settle_one()

        receiver, workers = self._clients[0], self._clients[1:]
        threads = [threading.Thread(target=worker, args=(clients,)) for clients in workers]
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, release - time.time()))
        received = 0
        last_message = time.monotonic()
        while received < run.count:
            in_flight.wait_at_most(self._threshold)
            page = receiver.refs.receive_messages(
                messages_per_page=self._batch, visibility_timeout=RECEIVE_VISIBILITY_SECONDS
            ).by_page()
            batch = list(next(page, []))
            if not batch:
                if time.monotonic() - last_message > EMPTY_QUEUE_PATIENCE_SECONDS:
                    run.failed(RuntimeError(f"the queue ran dry after {received} references"))
                    break
                time.sleep(0.01)
                continue
            last_message = time.monotonic()
            in_flight.add(len(batch))
            for message in batch:
                work.put(message)
            received += len(batch)
        in_flight.wait_at_most(0)
        for _ in threads:
            work.put(None)
        for thread in threads:
            thread.join()
        return run


class _InFlight:
    """References received and not yet settled; the receiving loop waits on it."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0

    def add(self, count: int) -> None:
        with self._changed:
            self._count += count

    def settle_one(self) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def wait_at_most(self, count: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._count <= count)
