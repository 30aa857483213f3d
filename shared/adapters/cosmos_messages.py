"""Messages in Cosmos DB, one document per message in the recipient's partition."""

from __future__ import annotations

from typing import Any

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.message import Message


def _to_document(message: Message) -> dict[str, Any]:
    return message.model_dump(mode="json")


def _from_document(document: dict[str, Any]) -> Message:
    return Message.model_validate({**document, "version": document["_etag"]}, strict=False)


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
