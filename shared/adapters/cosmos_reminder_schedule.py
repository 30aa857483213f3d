"""The reminder schedule in Cosmos DB: one document per (UTC hour, shard), holding the
entries due in that hour keyed by message id, changed by patch operations and read by point
reads. Each bucket also carries `hour`, `drained` and `queued_until`, the only indexed paths:
the timer finds the open buckets of hours begun by one query that reads no entries, so its
cost follows the buckets still to work, not what is stored."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.errors import ConcurrentUpdateError
from shared.domain.reminder_schedule import (
    OpenBucket,
    ScheduleEntry,
    bucket_hour,
    bucket_id,
    shard_of,
)

# Entries of one hour are spread over this many documents (the REMINDER_SHARDS setting): a
# document holds some ten thousand entries (2 MB), each takes its share of the hour's
# writes, and each is one partition of a reminder run.
DEFAULT_SHARDS = 32
# The document a schedule before partitions kept its cursor in (no longer read or written).
OLD_CURSOR_ID = "cursor"
_OPEN_BUCKETS = (
    "SELECT c.id, c.hour, c.queued_until FROM c WHERE c.hour <= @up_to"
    " AND (NOT IS_DEFINED(c.drained) OR c.drained = false)"
)
# A bucket is kept this long past its hour (Cosmos ttl), then expires on its own.
_KEPT_AFTER_HOUR = timedelta(days=7)


def _live_keys(document: dict[str, Any]) -> set[str]:
    """The message ids with an entry in a bucket (not set to null)."""
    entries = document.get("entries", {})
    return {message_id for message_id, value in entries.items() if value is not None}


class CosmosReminderSchedule:
    def __init__(self, container: ContainerProxy, *, shards: int = DEFAULT_SHARDS) -> None:
        self._container = container
        self._shards = shards

    @property
    def shards(self) -> int:
        return self._shards

    def _bucket(self, entry: ScheduleEntry) -> str:
        return bucket_id(entry.at, shard_of(entry.message_id, self._shards))

    def _home(self, entry: ScheduleEntry) -> str:
        """The bucket an entry is in: the one it was read from, else the one it goes to."""
        return entry.bucket or self._bucket(entry)

    def add(self, entry: ScheduleEntry) -> None:
        document_id = self._bucket(entry)
        value = entry.model_dump(mode="json")
        with domain_errors():
            for _ in range(3):
                try:
                    self._container.patch_item(
                        document_id,
                        partition_key=document_id,
                        patch_operations=[
                            {"op": "set", "path": f"/entries/{entry.message_id}", "value": value},
                            {"op": "set", "path": "/drained", "value": False},
                        ],
                    )
                    return
                except exceptions.CosmosResourceNotFoundError:
                    pass
                try:
                    self._container.create_item(self._new_bucket(document_id, entry, value))
                    return
                except exceptions.CosmosResourceExistsError:
                    continue  # another writer created it first: patch it
        raise RuntimeError("reminder bucket kept appearing and disappearing")

    def _new_bucket(self, document_id: str, entry: ScheduleEntry, value: Any) -> dict[str, Any]:
        hour = bucket_hour(entry.at)
        lives = hour + _KEPT_AFTER_HOUR - datetime.now(UTC)
        return {
            "id": document_id,
            "hour": hour.isoformat(),
            "entries": {entry.message_id: value},
            "drained": False,
            "queued_until": None,
            "ttl": max(int(lives.total_seconds()), 3600),
        }

    def move(self, old: ScheduleEntry, new: ScheduleEntry | None) -> None:
        if new is not None:
            self.add(new)
        document_id = self._home(old)
        if new is not None and self._bucket(new) == document_id:
            return  # added over it
        # Set to null rather than removed: removing an absent key is an error, and two runs
        # may both move the same entry. Readers skip nulls. A bucket gone took it along.
        with domain_errors(), contextlib.suppress(exceptions.CosmosResourceNotFoundError):
            self._container.patch_item(
                document_id,
                partition_key=document_id,
                patch_operations=[
                    {"op": "set", "path": f"/entries/{old.message_id}", "value": None}
                ],
            )

    def open_buckets(self, up_to: datetime) -> list[OpenBucket]:
        parameters: list[dict[str, Any]] = [
            {"name": "@up_to", "value": bucket_hour(up_to).isoformat()}
        ]
        with domain_errors():
            rows = list(
                self._container.query_items(
                    _OPEN_BUCKETS, parameters=parameters, enable_cross_partition_query=True
                )
            )
        return [
            OpenBucket(
                bucket=row["id"],
                hour=datetime.fromisoformat(row["hour"]),
                queued_until=_time_or_none(row.get("queued_until")),
            )
            for row in rows
            if row["id"] != OLD_CURSOR_ID
        ]

    def mark_queued(self, bucket: str, until: datetime) -> None:
        self._patch_if_there(
            bucket, [{"op": "set", "path": "/queued_until", "value": until.isoformat()}]
        )

    def bucket_entries(self, bucket: str) -> list[ScheduleEntry]:
        document = self._read(bucket)
        if document is None:
            return []
        return [
            ScheduleEntry.model_validate(value).model_copy(update={"bucket": bucket})
            for value in document.get("entries", {}).values()
            if value is not None
        ]

    def finish(self, bucket: str, *, hour_over: bool) -> None:
        lift = {"op": "set", "path": "/queued_until", "value": None}
        if hour_over:
            document = self._read(bucket)
            if document is None:
                return
            if not _live_keys(document):
                # Only if nothing was added since the read: an entry added opens it again.
                drained = {"op": "set", "path": "/drained", "value": True}
                try:
                    with domain_errors():
                        self._container.patch_item(
                            bucket,
                            partition_key=bucket,
                            patch_operations=[drained, lift],
                            etag=document["_etag"],
                            match_condition=MatchConditions.IfNotModified,
                        )
                    return
                except ConcurrentUpdateError:
                    pass
        self._patch_if_there(bucket, [lift])

    def _read(self, bucket: str) -> dict[str, Any] | None:
        with domain_errors():
            try:
                document: dict[str, Any] = self._container.read_item(bucket, partition_key=bucket)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return document

    def _patch_if_there(self, bucket: str, operations: list[dict[str, Any]]) -> None:
        """Patch a bucket; one gone (expired) needs nothing."""
        with domain_errors(), contextlib.suppress(exceptions.CosmosResourceNotFoundError):
            self._container.patch_item(bucket, partition_key=bucket, patch_operations=operations)

    def forget(self, message_ids: Collection[str]) -> int:
        # An entry's hour is not known from its message: every bucket is read (a query
        # across partitions, a page at a time), and only those holding one of these
        # messages are patched, as move() does.
        wanted = set(message_ids)
        forgotten = 0
        with domain_errors():
            pages = self._container.query_items(
                "SELECT * FROM c", enable_cross_partition_query=True, max_item_count=20
            ).by_page()
            held = [
                (document["id"], sorted(wanted & _live_keys(document)))
                for page in pages
                for document in page
                if document["id"] != OLD_CURSOR_ID
            ]
            for document_id, found in held:
                if not found:
                    continue
                # Set to null, as move() does: removing a key another run removed first
                # would fail. Up to 10 operations per patch.
                for start in range(0, len(found), 10):
                    chunk = found[start : start + 10]
                    with contextlib.suppress(exceptions.CosmosResourceNotFoundError):
                        self._container.patch_item(
                            document_id,
                            partition_key=document_id,
                            patch_operations=[
                                {"op": "set", "path": f"/entries/{message_id}", "value": None}
                                for message_id in chunk
                            ],
                        )
                        forgotten += len(chunk)
        return forgotten


def _time_or_none(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
