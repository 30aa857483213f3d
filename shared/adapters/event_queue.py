"""The events queue: references to pending events, for the dispatcher (DispatchEvent)."""

from __future__ import annotations

from datetime import timedelta

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.queue import QueueClient

from shared.domain.errors import StorageUnavailableError
from shared.domain.events import EventRef

# The queue's ceiling for a message's initial invisibility.
MAX_DELAY = timedelta(days=7)


class StorageEventQueue:
    def __init__(self, client: QueueClient) -> None:
        self._client = client

    def send(self, ref: EventRef, *, delay: timedelta = timedelta(0)) -> None:
        seconds = int(min(max(delay, timedelta(0)), MAX_DELAY).total_seconds())
        try:
            self._client.send_message(ref.to_json(), visibility_timeout=seconds or None)
        except ResourceNotFoundError as exc:
            raise StorageUnavailableError(
                f"queue {self._client.queue_name} does not exist"
            ) from exc
        except AzureError as exc:
            raise StorageUnavailableError("the events queue is unreachable") from exc
