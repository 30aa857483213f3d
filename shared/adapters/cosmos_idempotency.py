"""Idempotency-Key records in Cosmos DB, by point read and conditional writes."""

from __future__ import annotations

from typing import Any

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.idempotency import IdempotencyRecord


def _from_document(document: dict[str, Any]) -> IdempotencyRecord:
    return IdempotencyRecord.model_validate({**document, "version": document["_etag"]})


class CosmosIdempotencyStore:
    """Records expire `ttl_seconds` after their last write (Cosmos ttl)."""

    def __init__(self, container: ContainerProxy, *, ttl_seconds: int) -> None:
        self._container = container
        self._ttl_seconds = ttl_seconds

    def _document(self, record: IdempotencyRecord) -> dict[str, Any]:
        return {**record.model_dump(mode="json"), "ttl": self._ttl_seconds}

    def reserve(self, record: IdempotencyRecord) -> tuple[IdempotencyRecord, bool]:
        with domain_errors():
            for _ in range(3):
                try:
                    created = self._container.create_item(self._document(record))
                    return _from_document(created), True
                except exceptions.CosmosResourceExistsError:
                    pass
                try:
                    existing = self._container.read_item(record.id, partition_key=record.id)
                    return _from_document(existing), False
                except exceptions.CosmosResourceNotFoundError:
                    continue  # released between our create and our read
        raise RuntimeError("idempotency record kept disappearing")

    def forget_citizen(self, fiscal_code: str) -> int:
        # The container indexes nothing (the hot path only reads by id): a scan, which an
        # erasure may afford and a request never could.
        parameters: list[dict[str, Any]] = [{"name": "@fiscal_code", "value": fiscal_code}]
        forgotten = 0
        with domain_errors():
            found = list(
                self._container.query_items(
                    "SELECT c.id FROM c WHERE c.fiscal_code = @fiscal_code",
                    parameters=parameters,
                    enable_cross_partition_query=True,
                    enable_scan_in_query=True,
                )
            )
            for document in found:
                try:
                    self._container.delete_item(document["id"], partition_key=document["id"])
                    forgotten += 1
                except exceptions.CosmosResourceNotFoundError:
                    pass  # expired or deleted meanwhile
        return forgotten
