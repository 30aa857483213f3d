"""Watch the messages container until the app has decided every message of a run.

Each run writes to citizens of its own, so counting a citizen's partition counts exactly
that run's messages. The poll interval does not limit the precision: the time of the last
decision is read from the messages themselves (`processed_at`, else `status_changed_at`,
both written by the app's clock on this machine).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.cosmos import ContainerProxy
from azure.storage.queue import QueueClient

from shared.adapters.cosmos_client import cosmos_client
from shared.config import Settings
from shared.storage_layout import ContainerName, storage_layout

ACCEPTED = "ACCEPTED"
PROCESSED = "PROCESSED"
POLL_SECONDS = 0.5
_DECIDED_COUNT = (
    "SELECT VALUE COUNT(1) FROM c WHERE c.fiscal_code = @fiscal_code AND c.status != @accepted"
)
_DECISIONS = (
    "SELECT c.id, c.status, c.processed_at, c.status_changed_at FROM c"
    " WHERE c.fiscal_code = @fiscal_code"
)


@dataclass(frozen=True)
class Decisions:
    """Where a run's messages ended up, and when the last one was decided (epoch seconds;
    None if none was)."""

    statuses: Counter[str]
    last_decided_at: float | None
    timed_out: bool

    @property
    def processed(self) -> int:
        return self.statuses[PROCESSED]


def messages_container(settings: Settings) -> ContainerProxy:
    client = cosmos_client(
        settings.cosmos_endpoint, settings.cosmos_key, verify_tls=settings.cosmos_verify_tls
    )
    database = client.get_database_client(storage_layout().database)
    return database.get_container_client(ContainerName.MESSAGES)


def _query(container: ContainerProxy, query: str, fiscal_code: str) -> list[Any]:
    parameters: list[dict[str, Any]] = [
        {"name": "@fiscal_code", "value": fiscal_code},
        {"name": "@accepted", "value": ACCEPTED},
    ]
    # The emulator ignores partition_key=, hence the fiscal code in the WHERE clause too.
    return list(container.query_items(query, parameters=parameters, partition_key=fiscal_code))


def _decided_count(container: ContainerProxy, fiscal_codes: list[str]) -> int:
    return sum(int(_query(container, _DECIDED_COUNT, code)[0]) for code in fiscal_codes)


def _epoch(document: dict[str, Any]) -> float | None:
    stamp = document.get("processed_at") or document.get("status_changed_at")
    return datetime.fromisoformat(stamp).timestamp() if isinstance(stamp, str) else None


def wait_until_decided(
    container: ContainerProxy, fiscal_codes: list[str], expected: int, *, timeout: float
) -> Decisions:
    """Poll until `expected` messages to `fiscal_codes` left ACCEPTED, or `timeout` passed."""
    deadline = time.monotonic() + timeout
    timed_out = False
    while _decided_count(container, fiscal_codes) < expected:
        if time.monotonic() > deadline:
            timed_out = True
            break
        time.sleep(POLL_SECONDS)
    documents = [doc for code in fiscal_codes for doc in _query(container, _DECISIONS, code)]
    statuses = Counter(str(doc["status"]) for doc in documents)
    moments = [
        moment
        for doc in documents
        if doc["status"] != ACCEPTED and (moment := _epoch(doc)) is not None
    ]
    return Decisions(
        statuses=statuses, last_decided_at=max(moments, default=None), timed_out=timed_out
    )


def sample_document(container: ContainerProxy, fiscal_code: str) -> dict[str, Any]:
    """One stored message of `fiscal_code`, without Cosmos's system properties."""
    query = "SELECT * FROM c WHERE c.fiscal_code = @fiscal_code"
    document = _query(container, query, fiscal_code)[0]
    return {name: value for name, value in document.items() if not name.startswith("_")}


def wait_until_empty(queue: QueueClient, *, timeout: float) -> float | None:
    """Poll until `queue` holds no message, hidden or not; the seconds that took, or None
    when `timeout` passed first."""
    began = time.monotonic()
    while (queue.get_queue_properties().approximate_message_count or 0) > 0:
        if time.monotonic() - began > timeout:
            return None
        time.sleep(POLL_SECONDS)
    return round(time.monotonic() - began, 3)
