"""The reminder schedule in Cosmos DB: one document per (UTC hour, shard), holding the
entries due in that hour keyed by message id, changed by patch operations and read by point
reads; and one `cursor` document. A run reads the buckets from the cursor to now, whatever
else the schedule holds, so its cost follows what is due, not what is stored."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.reminder_schedule import ScheduleEntry, bucket_hour, bucket_id, shard_of

# Entries of one hour are spread over this many documents: a document holds some ten
# thousand entries (2 MB), and each takes its share of the hour's writes.
DEFAULT_SHARDS = 32
CURSOR_ID = "cursor"
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

    def _bucket(self, entry: ScheduleEntry) -> str:
        return bucket_id(entry.at, shard_of(entry.message_id, self._shards))

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
                            {"op": "set", "path": f"/entries/{entry.message_id}", "value": value}
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
            "ttl": max(int(lives.total_seconds()), 3600),
        }

    def move(self, old: ScheduleEntry, new: ScheduleEntry | None) -> None:
        if new is not None:
            self.add(new)
        if new is not None and self._bucket(new) == self._bucket(old):
            return  # added over it
        document_id = self._bucket(old)
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

    def entries(self, hour: datetime) -> list[ScheduleEntry]:
        found: list[ScheduleEntry] = []
        with domain_errors():
            for shard in range(self._shards):
                document_id = bucket_id(hour, shard)
                try:
                    document = self._container.read_item(document_id, partition_key=document_id)
                except exceptions.CosmosResourceNotFoundError:
                    continue
                found += [
                    ScheduleEntry.model_validate(value)
                    for value in document.get("entries", {}).values()
                    if value is not None
                ]
        return found

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
                if document["id"] != CURSOR_ID
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

    def cursor(self) -> datetime | None:
        with domain_errors():
            try:
                document = self._container.read_item(CURSOR_ID, partition_key=CURSOR_ID)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return datetime.fromisoformat(document["hour"])

    def set_cursor(self, hour: datetime) -> None:
        with domain_errors():
            self._container.upsert_item({"id": CURSOR_ID, "hour": bucket_hour(hour).isoformat()})
