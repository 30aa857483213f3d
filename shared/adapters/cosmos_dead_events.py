"""Dead callback events in Cosmos DB, partitioned by service: an operator lists a service's."""

from __future__ import annotations

from typing import Any

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.events import DeadEvent

# A dead event is kept this long for an operator to replay; then it expires.
DEAD_EVENT_TTL_SECONDS = 30 * 24 * 3600

_OLDEST_FIRST = "SELECT TOP @limit * FROM c WHERE c.service_id = @service_id ORDER BY c.dead_at ASC"


class CosmosDeadEventStore:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def put(self, dead: DeadEvent) -> None:
        document = {**dead.model_dump(mode="json"), "ttl": DEAD_EVENT_TTL_SECONDS}
        with domain_errors():
            self._container.upsert_item(document)

    def list_for(self, service_id: str, limit: int) -> list[DeadEvent]:
        parameters: list[dict[str, Any]] = [
            {"name": "@limit", "value": limit},
            {"name": "@service_id", "value": service_id},
        ]
        with domain_errors():
            documents = self._container.query_items(
                _OLDEST_FIRST, parameters=parameters, partition_key=service_id
            )
            return [DeadEvent.model_validate(document) for document in documents]

    def remove(self, service_id: str, event_id: str) -> bool:
        with domain_errors():
            try:
                self._container.delete_item(event_id, partition_key=service_id)
            except exceptions.CosmosResourceNotFoundError:
                return False
        return True
