"""Reminder slot claims in Cosmos DB: created before a push is sent, one per slot, so two
runs never send the same reminder; taken over only when left to RETRY."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.reminder_schedule import (
    MAX_PUSH_ATTEMPTS,
    ClaimState,
    SlotClaim,
    claim_id,
)

# Long after any slot of a message could fall due again.
CLAIM_TTL_SECONDS = 400 * 24 * 3600


def _from_document(document: dict[str, Any]) -> SlotClaim:
    return SlotClaim.model_validate({**document, "version": document["_etag"]})


class CosmosReminderClaims:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def _document(self, claim: SlotClaim) -> dict[str, Any]:
        return {**claim.model_dump(mode="json"), "ttl": CLAIM_TTL_SECONDS}

    def claim(self, message_id: str, slot_key: str, now: datetime) -> SlotClaim | None:
        new = SlotClaim(
            id=claim_id(message_id, slot_key), state=ClaimState.CLAIMED, attempts=1, claimed_at=now
        )
        with domain_errors():
            try:
                return _from_document(self._container.create_item(self._document(new)))
            except exceptions.CosmosResourceExistsError:
                pass
            try:
                current = _from_document(self._container.read_item(new.id, partition_key=new.id))
            except exceptions.CosmosResourceNotFoundError:
                return None  # released meanwhile: the next run claims it
            if current.state is not ClaimState.RETRY or current.attempts >= MAX_PUSH_ATTEMPTS:
                return None
            taken = new.model_copy(update={"attempts": current.attempts + 1})
            try:
                stored = self._container.replace_item(
                    new.id,
                    self._document(taken),
                    etag=current.version,
                    match_condition=MatchConditions.IfNotModified,
                )
            except exceptions.CosmosAccessConditionFailedError:
                return None  # another run took it over first
        return _from_document(stored)

    def settle(self, claim: SlotClaim, state: ClaimState) -> None:
        with domain_errors():
            self._container.upsert_item(self._document(claim.model_copy(update={"state": state})))

    def release(self, claim: SlotClaim) -> None:
        with domain_errors():
            if claim.attempts > 1:
                retry = claim.model_copy(
                    update={"state": ClaimState.RETRY, "attempts": claim.attempts - 1}
                )
                self._container.upsert_item(self._document(retry))
                return
            with contextlib.suppress(exceptions.CosmosResourceNotFoundError):
                self._container.delete_item(claim.id, partition_key=claim.id)
