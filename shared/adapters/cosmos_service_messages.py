"""Each service's index of its messages in Cosmos DB (`service-messages`, partitioned by
service id): one small document per message, no fiscal code and no content."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.message import MessageStatus
from shared.domain.service_messages import ServiceMessageEntry, ServiceMessageFilter, StatusCounts

_MICROSECONDS = 1_000_000


def _micros(value: datetime) -> int:
    # A number, not the ISO text: "…00Z" sorts after "…00.5Z" as text.
    return int(value.timestamp() * _MICROSECONDS)


def _from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / _MICROSECONDS, tz=UTC)


def _to_document(entry: ServiceMessageEntry) -> dict[str, Any]:
    document = {
        "id": entry.id,
        "service_id": entry.service_id,
        "created_us": _micros(entry.created_at),
        "status": entry.status.value,
        "status_changed_us": _micros(entry.status_changed_at),
        "reference": entry.reference,
        "rejection_reason": entry.rejection_reason,
        "read": entry.read,
        "test": entry.test,
        "pushes": entry.pushes,
    }
    if entry.notice is not None:
        document["payee"], document["notice_number"] = entry.notice
    if entry.retention_seconds is not None:
        # Counted from this write, as the message's own ttl is from its last write.
        document["ttl"] = entry.retention_seconds
        document["retention_seconds"] = entry.retention_seconds
    return document


def _from_document(document: dict[str, Any]) -> ServiceMessageEntry:
    return ServiceMessageEntry(
        id=document["id"],
        service_id=document["service_id"],
        created_at=_from_micros(document["created_us"]),
        status=MessageStatus(document["status"]),
        status_changed_at=_from_micros(document["status_changed_us"]),
        reference=document.get("reference"),
        rejection_reason=document.get("rejection_reason"),
        read=bool(document.get("read", False)),
        test=bool(document.get("test", False)),
        retention_seconds=document.get("retention_seconds"),
        pushes=int(document.get("pushes", 0)),
        notice=(
            (document["payee"], document["notice_number"]) if "notice_number" in document else None
        ),
    )


def _where(where: ServiceMessageFilter, *, keyset: bool) -> tuple[str, list[dict[str, Any]]]:
    """The WHERE clause and its parameters. The partition key is in it: the local
    emulator ignores partition_key=."""
    clauses = ["c.service_id = @service_id"]
    parameters: list[dict[str, Any]] = [{"name": "@service_id", "value": where.service_id}]

    def add(clause: str, name: str, value: object) -> None:
        clauses.append(clause)
        parameters.append({"name": name, "value": value})

    if where.status is not None and keyset:
        add("c.status = @status", "@status", where.status.value)
    if where.reference is not None:
        add("c.reference = @reference", "@reference", where.reference)
    if where.created_from is not None:
        add("c.created_us >= @created_from", "@created_from", _micros(where.created_from))
    if where.created_to is not None:
        add("c.created_us < @created_to", "@created_to", _micros(where.created_to))
    if where.test is not None:
        add("c.test = @test", "@test", where.test)
    if where.before_id is not None and keyset:
        add("c.id < @before_id", "@before_id", where.before_id)
    return " AND ".join(clauses), parameters


class CosmosServiceMessageIndex:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def put(self, entry: ServiceMessageEntry) -> None:
        with domain_errors():
            self._container.upsert_item(_to_document(entry))

    def page(self, where: ServiceMessageFilter, limit: int) -> list[ServiceMessageEntry]:
        # Keyset paging on the id (a ULID, so time-ordered): no OFFSET (the emulator parses
        # none, and a key survives messages arriving between two pages).
        clause, parameters = _where(where, keyset=True)
        query = f"SELECT TOP @limit * FROM c WHERE {clause} ORDER BY c.id DESC"  # noqa: S608
        parameters.append({"name": "@limit", "value": limit})
        with domain_errors():
            documents = list(
                self._container.query_items(
                    query, parameters=parameters, partition_key=where.service_id
                )
            )
        return [_from_document(document) for document in documents]

    def count(self, where: ServiceMessageFilter) -> StatusCounts:
        # One COUNT per status (the emulator parses no GROUP BY), each within one partition.
        clause, parameters = _where(where, keyset=False)
        by_status = {
            status: self._count(f"{clause} AND c.status = @status", parameters, status.value)
            for status in MessageStatus
        }
        read = self._count(f"{clause} AND c.read = true", parameters, None)
        pushes = self._count(f"{clause} AND c.pushes > 0", parameters, None, "SUM(c.pushes)")
        return StatusCounts(
            by_status={status: n for status, n in by_status.items() if n}, read=read, pushes=pushes
        )

    def notices(self, where: ServiceMessageFilter) -> list[tuple[str, str]]:
        clause, parameters = _where(where, keyset=False)
        query = (
            # Deduplicated here: the local emulator parses no DISTINCT.
            "SELECT c.payee, c.notice_number FROM c "  # noqa: S608
            f"WHERE {clause} AND IS_DEFINED(c.notice_number)"
        )
        with domain_errors():
            documents = list(
                self._container.query_items(
                    query, parameters=parameters, partition_key=where.service_id
                )
            )
        return sorted({(document["payee"], document["notice_number"]) for document in documents})

    def _count(
        self,
        clause: str,
        parameters: list[dict[str, Any]],
        status: str | None,
        aggregate: str = "COUNT(1)",
    ) -> int:
        query = f"SELECT VALUE {aggregate} FROM c WHERE {clause}"  # noqa: S608
        values = list(parameters)
        if status is not None:
            values.append({"name": "@status", "value": status})
        service_id = parameters[0]["value"]
        with domain_errors():
            found = list(
                self._container.query_items(query, parameters=values, partition_key=service_id)
            )
        count = found[0] if found else 0
        return count if isinstance(count, int) else 0

    def remove(self, service_id: str, message_id: str) -> bool:
        with domain_errors():
            try:
                self._container.delete_item(message_id, partition_key=service_id)
            except exceptions.CosmosResourceNotFoundError:
                return False
        return True
