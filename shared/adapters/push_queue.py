"""Pushes onto a storage queue (`push-notifications`): the local stand-in for Notification Hubs.

Each push is one JSON message: the template properties the hub would receive
(shared.adapters.push_payload) and the `tag` it would be addressed to, so whatever reads the
queue sees exactly what would have gone out. `make run` uses it, and the operator CLI lists
it (`push list`); in Azure it is used only when no notification hub is configured.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.queue import QueueClient

from shared.adapters.push_payload import TEMPLATE_PROPERTIES, template_properties
from shared.adapters.queues import peek_messages, queue_client
from shared.config import StorageAccess
from shared.domain.errors import PushDeliveryError
from shared.domain.push import Push, ReminderKind

logger = logging.getLogger(__name__)


class MalformedPushError(ValueError):
    """A queue message is not a push as QueuePushSender writes it."""


def push_to_json(push: Push) -> str:
    return json.dumps({"tag": push.tag, **template_properties(push)}, ensure_ascii=False)


def push_from_json(text: str) -> Push:
    """The push a queue message holds. Raises MalformedPushError."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise MalformedPushError("not JSON") from exc
    fields = ("tag", *TEMPLATE_PROPERTIES)
    if not isinstance(data, dict) or not all(isinstance(data.get(f), str) for f in fields):
        raise MalformedPushError(f"a push needs the string fields {', '.join(fields)}")
    try:
        return Push(
            tag=data["tag"],
            kind=ReminderKind(data["kind"]),
            language=data["language"],
            title=data["title"],
            body=data["body"],
            message_id=data["message_id"],
            collapse_key=data["collapse_key"],
            expires_at=datetime.fromisoformat(data["expires_at"]) if data["expires_at"] else None,
        )
    except ValueError as exc:
        raise MalformedPushError("a push field has an unknown value") from exc


class QueuePushSender:
    """Puts each push on a storage queue, and peeks at what is there."""

    def __init__(self, client: QueueClient) -> None:
        self._client = client

    def send(self, push: Push) -> None:
        """Put `push` on the queue.

        Raises PushDeliveryError (retryable: the storage may come back).
        """
        try:
            self._client.send_message(push_to_json(push))
        except ResourceNotFoundError as exc:
            raise PushDeliveryError(
                f"queue {self._client.queue_name} does not exist", retryable=True
            ) from exc
        except AzureError as exc:
            raise PushDeliveryError("the push queue is unreachable", retryable=True) from exc

    def peek(self, limit: int) -> list[Push]:
        """Up to `limit` (at most 32) pushes from the front of the queue, left in place.

        Messages that are not pushes are skipped (and logged by queue message id).
        Raises StorageUnavailableError.
        """
        pushes = []
        for message in peek_messages(self._client, limit, "push"):
            try:
                pushes.append(push_from_json(message.content))
            except MalformedPushError as exc:
                logger.warning("queue message %s is not a push: %s", message.id, exc)
        return pushes


def queue_push_sender(storage: StorageAccess, queue_name: str) -> QueuePushSender:
    """The push queue `queue_name`, base64-encoded like every other queue."""
    return QueuePushSender(queue_client(storage, queue_name))
