"""The one place that builds storage queue clients, and the messages-queue adapter.

The Functions host reads and writes queue messages as base64 (host.json
`extensions.queues.messageEncoding`), while the SDK sends plain text unless told
otherwise. Every client is built here, with the base64 policies, so the two agree.
"""

from __future__ import annotations

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from shared.domain.errors import StorageUnavailableError
from shared.domain.message_ref import MessageRef


def queue_client(connection_string: str, queue_name: str) -> QueueClient:
    """A client for `queue_name` that encodes and decodes messages as base64, as the host does."""
    return QueueClient.from_connection_string(
        connection_string,
        queue_name,
        message_encode_policy=TextBase64EncodePolicy(),
        message_decode_policy=TextBase64DecodePolicy(),
    )


def poison_queue_name(queue_name: str) -> str:
    """Where the host moves a message that failed maxDequeueCount times."""
    return f"{queue_name}-poison"


class StorageMessageQueue:
    """Sends message references to the queue ProcessMessage listens on."""

    def __init__(self, client: QueueClient) -> None:
        self._client = client

    def send(self, ref: MessageRef) -> None:
        try:
            self._client.send_message(ref.to_json())
        except ResourceNotFoundError as exc:
            raise StorageUnavailableError(
                f"queue {self._client.queue_name} does not exist"
            ) from exc
        except AzureError as exc:
            raise StorageUnavailableError("the storage queue is unreachable") from exc
