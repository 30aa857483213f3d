"""Payments of notices in Cosmos DB: one document per notice, by point reads and creates."""

from __future__ import annotations

from typing import Any

from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.payment import Payment, payment_id


def _from_document(document: dict[str, Any]) -> Payment:
    return Payment.model_validate(document)


class CosmosPaymentRepository:
    """The partition key is the id: every access is a point read or a create."""

    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def record(self, payment: Payment) -> tuple[Payment, bool]:
        with domain_errors():
            try:
                created = self._container.create_item(payment.model_dump(mode="json"))
                return _from_document(created), True
            except exceptions.CosmosResourceExistsError:
                pass
            # Payments are never deleted: the one that won the create is still there.
            existing = self._container.read_item(payment.id, partition_key=payment.id)
        return _from_document(existing), False

    def get(self, payee_fiscal_code: str, notice_number: str) -> Payment | None:
        document_id = payment_id(payee_fiscal_code, notice_number)
        with domain_errors():
            try:
                document = self._container.read_item(document_id, partition_key=document_id)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return _from_document(document)
