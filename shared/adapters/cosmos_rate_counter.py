"""Rate-limit window counters in Cosmos DB: one document per (service, window), counted
with the atomic `incr` patch so every function instance shares the same count; and marks,
set once by a conditional create."""

from __future__ import annotations

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.errors import AlreadyExistsError, OutcomeUnknownError


class CosmosWindowCounter:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def increment(self, key: str, ttl_seconds: int, by: int = 1) -> int:
        operations = [{"op": "incr", "path": "/count", "value": by}]
        with domain_errors():
            for _ in range(3):
                try:
                    document = self._container.patch_item(
                        key, partition_key=key, patch_operations=operations
                    )
                    return int(document["count"])
                except exceptions.CosmosResourceNotFoundError:
                    pass
                try:
                    self._container.create_item({"id": key, "count": by, "ttl": ttl_seconds})
                    return by
                except exceptions.CosmosResourceExistsError:
                    continue  # another instance created it first: count on it
        raise RuntimeError(f"rate counter {key} kept disappearing")

    def mark(self, key: str, ttl_seconds: int) -> bool:
        document = {"id": key, "count": 1, "ttl": ttl_seconds}
        try:
            with domain_errors():
                self._container.create_item(document)
        except OutcomeUnknownError:
            # It may have landed: tried again, a conflict then says it is set, whoever set it.
            try:
                with domain_errors():
                    self._container.create_item(document)
            except AlreadyExistsError:
                return False
        except AlreadyExistsError:
            return False
        return True
