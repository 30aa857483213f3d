"""Notice watches in Cosmos DB, partitioned by the notice's payment id."""

from __future__ import annotations

from typing import Any

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.notice_watch import NoticeWatch

# A notice is paid within months of its message; a watch outlives any reasonable due date.
WATCH_TTL_SECONDS = 400 * 24 * 3600

_OF_NOTICE = "SELECT * FROM c WHERE c.payment_id = @payment_id"


class CosmosNoticeWatches:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def watch(self, watch: NoticeWatch) -> None:
        with domain_errors():
            self._container.upsert_item({**watch.model_dump(), "ttl": WATCH_TTL_SECONDS})

    def forget(self, payment_id: str, message_id: str) -> bool:
        with domain_errors():
            try:
                self._container.delete_item(message_id, partition_key=payment_id)
            except exceptions.CosmosResourceNotFoundError:
                return False
        return True

    def watchers(self, payment_id: str) -> list[NoticeWatch]:
        parameters: list[dict[str, Any]] = [{"name": "@payment_id", "value": payment_id}]
        with domain_errors():
            documents = self._container.query_items(
                _OF_NOTICE, parameters=parameters, partition_key=payment_id
            )
            return [NoticeWatch.model_validate(document) for document in documents]
