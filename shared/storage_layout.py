"""Typed view of `storage_layout.json`, the one definition of databases, containers, queues."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LAYOUT_FILE = Path(__file__).with_name("storage_layout.json")


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    partition_key: str
    indexing_policy: dict[str, Any]
    default_ttl: int | None


@dataclass(frozen=True)
class StorageLayout:
    database: str
    containers: tuple[ContainerSpec, ...]
    queues: tuple[str, ...]
    blob_containers: tuple[str, ...]

    def container(self, name: str) -> ContainerSpec:
        for spec in self.containers:
            if spec.name == name:
                return spec
        raise KeyError(name)


@cache
def storage_layout() -> StorageLayout:
    raw = json.loads(LAYOUT_FILE.read_text(encoding="utf-8"))
    return StorageLayout(
        database=raw["cosmos"]["database"],
        containers=tuple(
            ContainerSpec(
                name=item["name"],
                partition_key=item["partitionKey"],
                indexing_policy=item["indexingPolicy"],
                default_ttl=item.get("defaultTtl"),
            )
            for item in raw["cosmos"]["containers"]
        ),
        queues=tuple(raw["queues"]),
        blob_containers=tuple(raw["blobContainers"]),
    )


class ContainerName:
    """Names of the Cosmos containers the code uses; a test ties them to the layout file."""

    SERVICES = "services"
    API_KEYS = "api-keys"
    PROFILES = "profiles"
    MESSAGES = "messages"
    IDEMPOTENCY = "idempotency"
    RATE_LIMITS = "rate-limits"
    PAYMENTS = "payments"
    REMINDER_SCHEDULE = "reminder-schedule"
    REMINDER_CLAIMS = "reminder-claims"
    DEAD_EVENTS = "dead-events"
    NOTICE_WATCHES = "notice-watches"
    SERVICE_MESSAGES = "service-messages"
    ERASURES = "erasures"


class QueueName:
    """Queues with a fixed name (the messages queue's is a setting, MESSAGES_QUEUE)."""

    # References to pending events, for DispatchEvent (function.json names it as such).
    EVENTS = "message-events"
    # One work item per reminder schedule bucket to work, for ReminderPartition.
    REMINDER_PARTITIONS = "reminder-partitions"


class BlobContainerName:
    """Names of the Blob containers the code uses; a test ties them to the layout file."""

    ATTACHMENTS = "attachments"
