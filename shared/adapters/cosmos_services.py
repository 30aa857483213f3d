"""Services and their API key records in Cosmos DB; the hot path reads both by point read on
/id, operators also list and query them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.api_keys import ApiKeyRecord
from shared.domain.errors import NotFoundError
from shared.domain.service import Service

# The field of a deleted service's tombstone (see remove).
_DELETED = "deleted"


def _is_tombstone(document: dict[str, Any]) -> bool:
    return document.get(_DELETED) is True


class CosmosServiceRepository:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def get(self, service_id: str) -> Service | None:
        with domain_errors():
            try:
                document = self._container.read_item(service_id, partition_key=service_id)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return None if _is_tombstone(document) else Service.model_validate(document)

    def add(self, service: Service) -> None:
        with domain_errors():
            self._container.create_item(service.model_dump(mode="json"))

    def replace(self, service: Service) -> None:
        with domain_errors():
            try:
                self._container.replace_item(service.id, service.model_dump(mode="json"))
            except exceptions.CosmosResourceNotFoundError as exc:
                raise NotFoundError(f"no service with id {service.id}") from exc

    def list_all(self) -> list[Service]:
        with domain_errors():
            documents = list(
                self._container.query_items(
                    "SELECT * FROM c WHERE NOT IS_DEFINED(c.deleted)",
                    enable_cross_partition_query=True,
                )
            )
        return [Service.model_validate(document) for document in documents]

    def remove(self, service_id: str) -> bool:
        # A tombstone replaces the service: nothing of it is kept but its id, still taken.
        with domain_errors():
            try:
                document = self._container.read_item(service_id, partition_key=service_id)
                if _is_tombstone(document):
                    return False
                self._container.replace_item(service_id, {"id": service_id, _DELETED: True})
            except exceptions.CosmosResourceNotFoundError:
                return False
        return True


class CosmosApiKeyRepository:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def get(self, key_hash: str) -> ApiKeyRecord | None:
        with domain_errors():
            try:
                document = self._container.read_item(key_hash, partition_key=key_hash)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return ApiKeyRecord.model_validate(document)

    def add(self, record: ApiKeyRecord) -> None:
        with domain_errors():
            self._container.create_item(record.model_dump(mode="json"))

    def remove(self, key_hash: str) -> bool:
        with domain_errors():
            try:
                self._container.delete_item(key_hash, partition_key=key_hash)
            except exceptions.CosmosResourceNotFoundError:
                return False
        return True

    def for_service(self, service_id: str) -> list[ApiKeyRecord]:
        # Keys are partitioned by their hash, so this fans out; /service_id is indexed.
        with domain_errors():
            documents = list(
                self._container.query_items(
                    "SELECT * FROM c WHERE c.service_id = @service_id",
                    parameters=[{"name": "@service_id", "value": service_id}],
                    enable_cross_partition_query=True,
                )
            )
        return [ApiKeyRecord.model_validate(document) for document in documents]

    def mark_used(self, key_hash: str, at: datetime) -> None:
        # A patch of one field: it cannot bring back a record removed meanwhile (not found)
        # nor overwrite what an operator changed.
        operations = [{"op": "set", "path": "/last_used_at", "value": at.isoformat()}]
        with domain_errors():
            try:
                self._container.patch_item(
                    key_hash, partition_key=key_hash, patch_operations=operations
                )
            except exceptions.CosmosResourceNotFoundError:
                return
