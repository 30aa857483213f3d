"""The queue of reminder partitions: one work item per schedule bucket to work, for the
ReminderPartition function."""

from __future__ import annotations

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.queue import QueueClient

from shared.domain.errors import StorageUnavailableError
from shared.domain.reminder_schedule import ReminderPartition


class StorageReminderWork:
    def __init__(self, client: QueueClient) -> None:
        self._client = client

    def send(self, partition: ReminderPartition) -> None:
        try:
            self._client.send_message(partition.model_dump_json())
        except ResourceNotFoundError as exc:
            raise StorageUnavailableError(
                f"queue {self._client.queue_name} does not exist"
            ) from exc
        except AzureError as exc:
            raise StorageUnavailableError("the reminder partitions queue is unreachable") from exc
