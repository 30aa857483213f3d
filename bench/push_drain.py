"""The local push queue emptied as the round runs, as phones would take their pushes.

The local push queue stands in for Notification Hubs, and nobody reads it in a benchmark.
Left to fill, its pushes would tax every other queue call in the round: on each receive,
delete or update, Azurite drops the queue's expired messages through a LokiJS batch remove,
and that rebuilds the sorted indexes of *every* queue message it holds (all queues, all
accounts), whether it removed any or not. So the cost of each of the app's queue calls grows
with the pushes already made, which on Azure sit in another service. One `clear_messages`
call a second keeps the queue near empty at the cost of a call a second.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from azure.core.exceptions import AzureError
from azure.storage.queue import QueueClient

DRAIN_EVERY_SECONDS = 1.0


@contextmanager
def drained(queue: QueueClient, every: float = DRAIN_EVERY_SECONDS) -> Iterator[None]:
    """Empty `queue` every `every` seconds while the block runs, and stop when it ends."""
    stop = threading.Event()

    def drain() -> None:
        while not stop.wait(every):
            try:
                queue.clear_messages(timeout=10)
            except AzureError:
                continue  # the next tick tries again; a stall only leaves pushes for it

    thread = threading.Thread(target=drain, name="push-drain", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
