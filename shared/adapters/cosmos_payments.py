"""Payments of notices in Cosmos DB: one document per notice, by point reads, creates and
replaces conditional on the document's etag."""

from __future__ import annotations

from typing import Any

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.errors import ConcurrentUpdateError
from shared.domain.payment import Payment, payment_id


def _from_document(document: dict[str, Any]) -> Payment:
    return Payment.model_validate({**document, "version": document["_etag"]})


class CosmosPaymentRepository:
    """The partition key is the id: every access is a point operation."""

    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def get(self, payee_fiscal_code: str, notice_number: str) -> Payment | None:
        document_id = payment_id(payee_fiscal_code, notice_number)
        with domain_errors():
            try:
                document = self._container.read_item(document_id, partition_key=document_id)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return _from_document(document)

    def add(self, payment: Payment) -> Payment:
        with domain_errors():
            return _from_document(self._container.create_item(payment.model_dump(mode="json")))

    def replace(self, payment: Payment) -> Payment:
        if payment.version is None:
            raise ValueError("replace needs a payment read from the store (it has no version)")
        with domain_errors():
            try:
                stored = self._container.replace_item(
                    payment.id,
                    payment.model_dump(mode="json"),
                    etag=payment.version,
                    match_condition=MatchConditions.IfNotModified,
                )
            except exceptions.CosmosResourceNotFoundError as exc:
                raise ConcurrentUpdateError("the payment record is gone") from exc
        return _from_document(stored)
