"""Services and their API key records in Cosmos DB; both are read by point read on /id."""

from __future__ import annotations

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.api_keys import ApiKeyRecord
from shared.domain.service import Service


class CosmosServiceRepository:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def get(self, service_id: str) -> Service | None:
        with domain_errors():
            try:
                document = self._container.read_item(service_id, partition_key=service_id)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return Service.model_validate(document)

    def add(self, service: Service) -> None:
        with domain_errors():
            self._container.create_item(service.model_dump(mode="json"))


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
