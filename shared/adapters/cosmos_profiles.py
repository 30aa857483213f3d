"""Citizen profiles in Cosmos DB, partitioned by fiscal code (the id is the fiscal code too)."""

from __future__ import annotations

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.profile import Profile


class CosmosProfileRepository:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def get(self, fiscal_code: str) -> Profile | None:
        with domain_errors():
            try:
                document = self._container.read_item(fiscal_code, partition_key=fiscal_code)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return Profile.model_validate(document)

    def delete(self, fiscal_code: str) -> bool:
        with domain_errors():
            try:
                self._container.delete_item(fiscal_code, partition_key=fiscal_code)
            except exceptions.CosmosResourceNotFoundError:
                return False
        return True

    def save(self, profile: Profile) -> None:
        document = {"id": profile.fiscal_code, **profile.model_dump(mode="json")}
        with domain_errors():
            self._container.upsert_item(document)
