"""The one place that builds storage queue clients, and the messages-queue adapter.

The Functions host reads and writes queue messages as base64 (host.json
`extensions.queues.messageEncoding`), while the SDK sends plain text unless told
otherwise. Every client is built here, with the base64 policies, so the two agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.queue import (
    LinearRetry,
    QueueClient,
    QueueMessage,
    TextBase64DecodePolicy,
    TextBase64EncodePolicy,
)

from shared.adapters.identity import app_credential
from shared.adapters.transport import (
    BUDGETS,
    Endpoint,
    storage_client_options,
    storage_retry_options,
)
from shared.config import StorageAccess, StorageConnectionString
from shared.domain.errors import StorageUnavailableError
from shared.domain.message_ref import MalformedQueueMessageError, MessageRef
from shared.domain.poison import PoisonedMessage


def queue_client(storage: StorageAccess, queue_name: str) -> QueueClient:
    """A client for `queue_name` that encodes and decodes messages as base64, as the host does;
    signed with the connection string's key, or with the app's identity at the queue URI."""
    options: dict[str, Any] = {
        "message_encode_policy": TextBase64EncodePolicy(),
        "message_decode_policy": TextBase64DecodePolicy(),
        "retry_policy": LinearRetry(**storage_retry_options(BUDGETS[Endpoint.QUEUE])),
        **storage_client_options(Endpoint.QUEUE),
    }
    if isinstance(storage, StorageConnectionString):
        return QueueClient.from_connection_string(storage.connection_string, queue_name, **options)
    return QueueClient(
        storage.queue_service_uri, queue_name, credential=app_credential(), **options
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

    def oldest_waiting(self) -> datetime | None:
        # The front of the queue: a peek shows visible messages only, oldest first (about).
        front = peek_messages(self._client, MAX_MESSAGES_PER_CALL, "messages")
        times = [message.inserted_on for message in front if message.inserted_on is not None]
        return min(times, default=None)


# The service's ceiling for one peek or receive.
MAX_MESSAGES_PER_CALL = 32


def _poisoned(message: QueueMessage, *, with_receipt: bool) -> PoisonedMessage:
    try:
        ref: MessageRef | None = MessageRef.from_json(message.content)
    except MalformedQueueMessageError:
        ref = None
    return PoisonedMessage(
        queue_message_id=message.id,
        ref=ref,
        inserted_at=message.inserted_on,
        receipt=message.pop_receipt if with_receipt else None,
    )


def peek_messages(client: QueueClient, limit: int, queue: str) -> list[QueueMessage]:
    """Up to `limit` (at most 32) messages from the front of a queue, left in place; none
    when the queue does not exist. Raises StorageUnavailableError naming `queue`."""
    try:
        return list(client.peek_messages(max_messages=min(limit, MAX_MESSAGES_PER_CALL)))
    except ResourceNotFoundError:
        return []
    except AzureError as exc:
        raise StorageUnavailableError(f"the {queue} queue is unreachable") from exc


class StoragePoisonQueue:
    """The `<queue>-poison` queue the host moves exhausted messages to (copied as stored,
    so base64, like the original)."""

    def __init__(self, client: QueueClient) -> None:
        self._client = client

    def peek(self, limit: int) -> list[PoisonedMessage]:
        peeked = peek_messages(self._client, limit, "poison")
        return [_poisoned(message, with_receipt=False) for message in peeked]

    def take(self, limit: int, hold_seconds: int) -> list[PoisonedMessage]:
        try:
            received = self._client.receive_messages(
                messages_per_page=min(limit, MAX_MESSAGES_PER_CALL),
                visibility_timeout=hold_seconds,
            ).by_page()
            return [_poisoned(message, with_receipt=True) for message in next(received, [])]
        except ResourceNotFoundError:
            return []
        except AzureError as exc:
            raise StorageUnavailableError("the poison queue is unreachable") from exc

    def delete(self, message: PoisonedMessage) -> None:
        try:
            self._client.delete_message(message.queue_message_id, message.receipt)
        except AzureError as exc:
            raise StorageUnavailableError("the poison queue is unreachable") from exc

    def release(self, message: PoisonedMessage) -> None:
        try:
            self._client.update_message(
                message.queue_message_id, pop_receipt=message.receipt, visibility_timeout=0
            )
        except ResourceNotFoundError:
            return  # deleted meanwhile
        except AzureError as exc:
            raise StorageUnavailableError("the poison queue is unreachable") from exc

    def approximate_count(self) -> int:
        try:
            properties = self._client.get_queue_properties()
        except ResourceNotFoundError:
            return 0
        except AzureError as exc:
            raise StorageUnavailableError("the poison queue is unreachable") from exc
        return int(properties.approximate_message_count or 0)
