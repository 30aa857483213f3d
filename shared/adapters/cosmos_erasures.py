"""The erasure audit records in Cosmos DB (container `erasures`, partitioned by id)."""

from __future__ import annotations

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.erasure import ErasureRecord


class CosmosErasureLog:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def record(self, erasure: ErasureRecord) -> None:
        with domain_errors():
            self._container.upsert_item(erasure.model_dump(mode="json"))

    def get(self, erasure_id: str) -> ErasureRecord | None:
        with domain_errors():
            try:
                document = self._container.read_item(erasure_id, partition_key=erasure_id)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return ErasureRecord.model_validate(document)
