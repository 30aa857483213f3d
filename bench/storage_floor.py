"""The floor: the bare storage operations of the pipeline, made directly with the SDKs
against the same emulators, in a container and a queue the Functions host does not watch.

Accept floor: per message one Cosmos `create_item` (a document shaped like a stored
message) and one queue `send_message` (base64), with the SDKs used plainly (bench.bare_sdk).
Process floor: receive in batches as the host does (a failed receive is made again after
half a second, as the host's listener does), then per message one Cosmos
`replace_item` and one queue `delete_message`, on as many threads as the load's
concurrency. Each thread has clients of its own, so no connection pool is shared.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import AzureError
from azure.cosmos import ContainerProxy, PartitionKey
from azure.cosmos.exceptions import CosmosResourceExistsError
from azure.storage.queue import QueueClient, QueueMessage

from bench.bare_sdk import bare_database, bare_queue
from shared.config import Settings
from shared.storage_layout import ContainerName, storage_layout

FLOOR_CONTAINER = "bench-floor"
# Like the host: received messages stay invisible while handled; a new batch is fetched
# once those in flight fall to half a batch (host.json newBatchThreshold's default).
RECEIVE_VISIBILITY_SECONDS = 600
EMPTY_QUEUE_PATIENCE_SECONDS = 30.0
MAX_KEPT_ERRORS = 5
RECEIVE_RETRY_SECONDS = 0.5


@dataclass
class FloorPhase:
    count: int
    seconds: float
    failures: int = 0
    errors: list[str] = field(default_factory=list)
    # CPU spent by processes other than this one (bench.floor_processes), which this
    # process's own CPU clock does not count.
    other_processes_cpu_seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


@dataclass(frozen=True)
class _Clients:
    container: ContainerProxy
    queue: QueueClient


class _InFlight:
    """Messages received and not yet settled; the receiving loop waits on it."""

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


class _Failures:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.errors: list[str] = []

    def add(self, error: Exception) -> None:
        with self._lock:
            self.count += 1
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(f"{type(error).__name__}: {str(error)[:300]}")


def ensure_floor_container(settings: Settings) -> None:
    """The floor's container, with the messages container's partition key and indexing.

    Floors in several processes may ask at once: the SDK reads, then creates, so one of
    them may find the container created by another between the two (409), which is fine.
    """
    spec = storage_layout().container(ContainerName.MESSAGES)
    with contextlib.suppress(CosmosResourceExistsError):
        bare_database(settings).create_container_if_not_exists(
            id=FLOOR_CONTAINER,
            partition_key=PartitionKey(path=spec.partition_key),
            indexing_policy=spec.indexing_policy,
            default_ttl=spec.default_ttl,
        )


class StorageFloor:
    """Runs the floor's operations on `concurrency` threads with clients of their own."""

    def __init__(
        self,
        settings: Settings,
        *,
        queue_name: str,
        template: dict[str, Any],
        partition: str,
        concurrency: int,
        batch_size: int,
    ) -> None:
        ensure_floor_container(settings)
        self._template = template
        self._partition = partition
        self._batch_size = batch_size
        self._id_length = len(str(template.get("id", ""))) or 26
        # Receives that failed and were made again (a stalled Azurite), over all rounds.
        self.receive_retries = 0
        self._clients = [
            _Clients(
                container=bare_database(settings).get_container_client(FLOOR_CONTAINER),
                queue=bare_queue(settings, queue_name),
            )
            for _ in range(concurrency + 1)  # one more for the receiving loop
        ]

    def _receive(self, client: QueueClient, count: int) -> list[QueueMessage] | None:
        """Up to `count` messages, or None when the receive failed (the host's queue
        listener retries a failed receive; so does the floor)."""
        try:
            page = client.receive_messages(
                messages_per_page=count, visibility_timeout=RECEIVE_VISIBILITY_SECONDS
            ).by_page()
            return list(next(page, []))
        except AzureError:
            return None

    def _document(self, message_id: str, status: str) -> dict[str, Any]:
        document = {**self._template, "id": message_id, "fiscal_code": self._partition}
        if "status" in document:
            document["status"] = status
        return document

    def accept(self, count: int) -> FloorPhase:
        """`count` times: create a message document, send its reference to the queue."""
        next_index = iter(range(count))
        take = threading.Lock()
        failures = _Failures()
        workers = self._clients[1:]
        start = threading.Barrier(len(workers) + 1)

        def worker(clients: _Clients) -> None:
            start.wait()
            while True:
                with take:
                    index = next(next_index, None)
                if index is None:
                    return
                message_id = uuid.uuid4().hex[: self._id_length]
                reference = {"message_id": message_id, "fiscal_code": self._partition}
                try:
                    clients.container.create_item(self._document(message_id, "ACCEPTED"))
                    clients.queue.send_message(json.dumps(reference, separators=(",", ":")))
                except Exception as error:  # a benchmark reports failures, it does not stop
                    failures.add(error)

        seconds = _timed_threads(worker, workers, start)
        return FloorPhase(count, seconds, failures.count, failures.errors)

    def process(self, count: int) -> FloorPhase:
        """Receive `count` messages in batches; per message replace its document (now
        PROCESSED) and delete it from the queue, on the worker threads."""
        work: queue.Queue[QueueMessage | None] = queue.Queue()
        in_flight = _InFlight()
        failures = _Failures()

        def worker(clients: _Clients) -> None:
            while (message := work.get()) is not None:
                try:
                    reference = json.loads(message.content)
                    message_id = reference["message_id"]
                    clients.container.replace_item(
                        message_id, self._document(message_id, "PROCESSED")
                    )
                    clients.queue.delete_message(message)
                except Exception as error:  # a benchmark reports failures, it does not stop
                    failures.add(error)
                in_flight.settle_one()

        receiver, workers = self._clients[0], self._clients[1:]
        threads = [threading.Thread(target=worker, args=(clients,)) for clients in workers]
        for thread in threads:
            thread.start()
        began = time.perf_counter()
        received = 0
        last_message = time.monotonic()
        threshold = self._batch_size // 2
        while received < count:
            in_flight.wait_at_most(threshold)
            batch = self._receive(receiver.queue, min(self._batch_size, count - received))
            if batch is None:  # the receive failed: Azurite stalled; as the host, try again
                self.receive_retries += 1
                time.sleep(RECEIVE_RETRY_SECONDS)
                continue
            if not batch:
                if time.monotonic() - last_message > EMPTY_QUEUE_PATIENCE_SECONDS:
                    failures.add(RuntimeError(f"the queue ran dry after {received} messages"))
                    break
                time.sleep(0.01)
                continue
            last_message = time.monotonic()
            in_flight.add(len(batch))
            for message in batch:
                work.put(message)
            received += len(batch)
        in_flight.wait_at_most(0)
        seconds = time.perf_counter() - began
        for _ in threads:
            work.put(None)
        for thread in threads:
            thread.join()
        return FloorPhase(count, seconds, failures.count, failures.errors)


def _timed_threads(
    target: Callable[[_Clients], None], clients: list[_Clients], start: threading.Barrier
) -> float:
    threads = [threading.Thread(target=target, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began
