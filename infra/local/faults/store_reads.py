"""Reading the stores for the audit: the message documents, the queues and the attachment
blobs, directly (past the fault proxies), patiently."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from functools import cache
from typing import Any

from azure.core.exceptions import AzureError
from azure.cosmos import ContainerProxy

from infra.local.faults.audit import (
    AuditReport,
    QueueState,
    Send,
    StoredMessage,
    audit,
)
from infra.local.faults.markers import find_marker
from shared.adapters.blob_attachments import blob_container_client
from shared.adapters.cosmos_client import cosmos_client
from shared.adapters.cosmos_messages import SCAN_READ_TIMEOUT_SECONDS
from shared.adapters.queues import poison_queue_name, queue_client
from shared.config import Settings
from shared.domain.errors import StorageUnavailableError
from shared.domain.message import MessageStatus
from shared.domain.message_ref import MalformedQueueMessageError, MessageRef
from shared.storage_layout import BlobContainerName, ContainerName, storage_layout

logger = logging.getLogger(__name__)

# How long the audit keeps trying a read the stores failed, and the pause in between.
PATIENCE_SECONDS = 120.0
PATIENCE_PAUSE_SECONDS = 2.0

_TERMINAL = frozenset(status for status in MessageStatus if status.is_terminal)
# The poison queue's front, read for the ids it holds.
MAX_PEEK = 32


_MESSAGES_QUERY = (
    "SELECT c.id, c.status, c.status_history, c.content, c.rejection_reason,"
    " c.failure_reason, c.redeliveries, c.attachments FROM c"
)


@cache
def _messages_container(settings: Settings) -> ContainerProxy:
    client = cosmos_client(
        settings.cosmos_endpoint, settings.cosmos_key, verify_tls=settings.cosmos_verify_tls
    )
    database = client.get_database_client(storage_layout().database)
    return database.get_container_client(ContainerName.MESSAGES)


def _stored(document: dict[str, Any]) -> StoredMessage:
    history = document.get("status_history") or []
    terminal = sum(1 for change in history if change.get("status") in _TERMINAL)
    markdown = (document.get("content") or {}).get("markdown") or ""
    return StoredMessage(
        id=document["id"],
        status=MessageStatus(document["status"]),
        terminal_entries=terminal,
        marker=find_marker(markdown),
        reason=document.get("rejection_reason") or document.get("failure_reason"),
        redeliveries=int(document.get("redeliveries") or 0),
        attachment_blobs=tuple(a["blob_name"] for a in document.get("attachments") or ()),
    )


def _read_messages(
    settings: Settings,
    service_ids: Collection[str] | None = None,
    *,
    status: MessageStatus | None = None,
) -> list[StoredMessage]:
    """Every message document (of these services, in this status, when given), read
    directly."""
    conditions: list[str] = []
    parameters: list[dict[str, Any]] = []
    if service_ids is not None:
        names = [f"@service{n}" for n in range(len(service_ids))]
        conditions.append(f"c.sender_service_id IN ({', '.join(names)})")
        parameters += [
            {"name": name, "value": value}
            for name, value in zip(names, sorted(service_ids), strict=True)
        ]
    if status is not None:
        conditions.append("c.status = @status")
        parameters.append({"name": "@status", "value": status.value})
    query = _MESSAGES_QUERY + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
    items = _messages_container(settings).query_items(
        query,
        parameters=parameters,
        enable_cross_partition_query=True,
        read_timeout=SCAN_READ_TIMEOUT_SECONDS,
    )
    return [_stored(item) for item in items]


def read_messages(
    settings: Settings,
    service_ids: Collection[str] | None = None,
    *,
    status: MessageStatus | None = None,
) -> list[StoredMessage]:
    """Every message document (of these services, in this status, when given), read
    directly and patiently."""
    return _patiently(lambda: _read_messages(settings, service_ids, status=status))


def count_accepted(settings: Settings, service_ids: Collection[str] | None = None) -> int:
    """How many messages (of these services) are still ACCEPTED."""
    return len(read_messages(settings, service_ids, status=MessageStatus.ACCEPTED))


def read_queues(settings: Settings) -> QueueState:
    """The messages queue's and its poison queue's counts; the poisoned ids at the front."""
    waiting = queue_client(settings.storage, settings.messages_queue)
    poison = queue_client(settings.storage, poison_queue_name(settings.messages_queue))
    poisoned_ids: list[str] = []
    for message in poison.peek_messages(max_messages=MAX_PEEK):
        try:
            poisoned_ids.append(MessageRef.from_json(message.content).message_id)
        except MalformedQueueMessageError:
            continue
    return QueueState(
        waiting=int(waiting.get_queue_properties().approximate_message_count or 0),
        poisoned=int(poison.get_queue_properties().approximate_message_count or 0),
        poisoned_ids=tuple(poisoned_ids),
    )


def read_attachment_blobs(settings: Settings) -> frozenset[str]:
    """The name of every blob in the attachments container, read directly."""
    container = blob_container_client(settings.storage, BlobContainerName.ATTACHMENTS)
    return frozenset(container.list_blob_names())


def audit_stores(
    settings: Settings, sends: Sequence[Send], service_ids: Collection[str] | None = None
) -> AuditReport:
    """Read the stores and audit `sends` against them (see `audit`)."""
    return audit(
        sends,
        read_messages(settings, service_ids),
        _patiently(lambda: read_queues(settings)),
        _patiently(lambda: read_attachment_blobs(settings)),
    )


def _patiently[T](read: Callable[[], T]) -> T:
    """`read`, tried again for a while after a failure. The audit reads with the app's
    clients, whose time budgets and circuit breakers are made for requests: Azurite, busy
    sweeping thousands of deleted messages, stalls for seconds at a time (README, "The local
    Azure stack"), and a breaker it opens refuses calls for a few seconds more."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while True:
        try:
            return read()
        except (AzureError, StorageUnavailableError) as error:
            if time.monotonic() > deadline:
                raise
            logger.info("audit read failed (%s); trying again", type(error).__name__)
            time.sleep(PATIENCE_PAUSE_SECONDS)
