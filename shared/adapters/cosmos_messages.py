"""Messages in Cosmos DB, one document per message in the recipient's partition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.message import Message, MessageStatus


def _to_document(message: Message) -> dict[str, Any]:
    document = message.model_dump(mode="json")
    if message.retention_seconds is not None:
        document["ttl"] = message.retention_seconds  # Cosmos expires the item after it
    due_at = message.outbox_due_at
    if due_at is not None:
        # What the relay's scan compares: whole seconds, as _ts.
        document[OUTBOX_DUE_FIELD] = int(due_at.timestamp())
    return document


def _from_document(document: dict[str, Any]) -> Message:
    return Message.model_validate({**document, "version": document["_etag"]}, strict=False)


# Set on a message whose outbox holds events: when the relay should look at it.
OUTBOX_DUE_FIELD = "outbox_due_ts"
_DUE_OUTBOXES = "SELECT * FROM c WHERE c.outbox_due_ts <= @now"

# The sweeper's scan, off any request path, may wait longer than a point operation.
SCAN_READ_TIMEOUT_SECONDS = 10

_INBOX_FIRST_PAGE = (
    "SELECT TOP @limit * FROM c WHERE c.fiscal_code = @fiscal_code AND c.status = @status"
    " ORDER BY c.id DESC"
)
_INBOX_NEXT_PAGE = (
    "SELECT TOP @limit * FROM c WHERE c.fiscal_code = @fiscal_code AND c.status = @status"
    " AND c.id < @before_id ORDER BY c.id DESC"
)


class CosmosMessageRepository:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def add(self, message: Message) -> Message:
        with domain_errors():
            return _from_document(self._container.create_item(_to_document(message)))

    def get(self, fiscal_code: str, message_id: str) -> Message | None:
        with domain_errors():
            try:
                document = self._container.read_item(message_id, partition_key=fiscal_code)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return _from_document(document)

    def replace(self, message: Message) -> Message:
        if message.version is None:
            raise ValueError("replace needs a message read from the store (it has no version)")
        with domain_errors():
            stored = self._container.replace_item(
                message.id,
                _to_document(message),
                etag=message.version,
                match_condition=MatchConditions.IfNotModified,
            )
        return _from_document(stored)

    def find(self, message_id: str) -> Message | None:
        with domain_errors():
            found = list(
                self._container.query_items(
                    "SELECT * FROM c WHERE c.id = @id",
                    parameters=[{"name": "@id", "value": message_id}],
                    enable_cross_partition_query=True,
                )
            )
        return _from_document(found[0]) if found else None

    def due_outboxes(self, now: datetime, limit: int) -> list[Message]:
        parameters: list[dict[str, Any]] = [{"name": "@now", "value": int(now.timestamp())}]
        return self._scan(_DUE_OUTBOXES, parameters, limit)

    def inbox(self, fiscal_code: str, *, before_id: str | None, limit: int) -> list[Message]:
        # Keyset paging on the id (a ULID, so time-ordered): the emulator parses neither
        # OFFSET nor LIMIT, and a key survives new messages arriving between two pages.
        # The partition key is in the WHERE clause: the emulator ignores partition_key=.
        query = _INBOX_FIRST_PAGE if before_id is None else _INBOX_NEXT_PAGE
        parameters: list[dict[str, Any]] = [
            {"name": "@limit", "value": limit},
            {"name": "@fiscal_code", "value": fiscal_code},
            {"name": "@status", "value": MessageStatus.PROCESSED.value},
        ]
        if before_id is not None:
            parameters.append({"name": "@before_id", "value": before_id})
        with domain_errors():
            documents = list(
                self._container.query_items(query, parameters=parameters, partition_key=fiscal_code)
            )
        return [_from_document(document) for document in documents]

    def of_citizen(self, fiscal_code: str) -> list[Message]:
        parameters: list[dict[str, Any]] = [{"name": "@fiscal_code", "value": fiscal_code}]
        with domain_errors():
            documents = list(
                self._container.query_items(
                    "SELECT * FROM c WHERE c.fiscal_code = @fiscal_code",
                    parameters=parameters,
                    partition_key=fiscal_code,
                )
            )
        return [_from_document(document) for document in documents]

    def delete(self, fiscal_code: str, message_id: str) -> bool:
        with domain_errors():
            try:
                self._container.delete_item(message_id, partition_key=fiscal_code)
            except exceptions.CosmosResourceNotFoundError:
                return False
        return True

    def stale_accepted(self, untouched_since: datetime, limit: int) -> list[Message]:
        # _ts is the second of the item's last write: every write to an ACCEPTED message
        # (creation, re-send, redrive) moves it, so an old _ts means nobody is on it.
        query = "SELECT * FROM c WHERE c.status = @status AND c._ts < @cutoff"
        parameters: list[dict[str, Any]] = [
            {"name": "@status", "value": MessageStatus.ACCEPTED.value},
            {"name": "@cutoff", "value": int(untouched_since.timestamp())},
        ]
        return self._scan(query, parameters, limit)

    def _scan(self, query: str, parameters: list[dict[str, Any]], limit: int) -> list[Message]:
        """Up to `limit` messages a query across partitions finds, a page at a time."""
        found: list[Message] = []
        with domain_errors():
            pages = self._container.query_items(
                query,
                parameters=parameters,
                enable_cross_partition_query=True,
                max_item_count=min(limit, 100),
                # A page of a query across partitions may take the service seconds.
                read_timeout=SCAN_READ_TIMEOUT_SECONDS,
            ).by_page()
            for page in pages:
                found += [_from_document(document) for document in page]
                if len(found) >= limit:
                    break
        return found[:limit]
