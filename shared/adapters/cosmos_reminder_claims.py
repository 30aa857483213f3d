"""Reminder slot claims in Cosmos DB: created before a push is sent, one per slot, so two
runs never send the same reminder; taken over only when left to RETRY, or when the run that
made it is gone (see shared.domain.reminder_schedule).

A lost reply (OutcomeUnknownError) on the create or the takeover is resolved by reading the
claim back: it is ours if it carries our `holder` token."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    OutcomeUnknownError,
)
from shared.domain.reminder_schedule import (
    CLAIM_LEASE,
    ClaimState,
    SlotBusy,
    SlotClaim,
    busy,
    claim_id,
    may_take_over,
)

# Long after any slot of a message could fall due again.
CLAIM_TTL_SECONDS = 400 * 24 * 3600
# Creates tried in all when the claim is then not found (the write never landed, or the
# claim was released meanwhile).
_CREATE_TRIES = 2


def _from_document(document: dict[str, Any]) -> SlotClaim:
    return SlotClaim.model_validate({**document, "version": document["_etag"]})


class CosmosReminderClaims:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def _document(self, claim: SlotClaim) -> dict[str, Any]:
        return {**claim.model_dump(mode="json"), "ttl": CLAIM_TTL_SECONDS}

    def _read(self, document_id: str) -> SlotClaim | None:
        with domain_errors():
            try:
                document = self._container.read_item(document_id, partition_key=document_id)
            except exceptions.CosmosResourceNotFoundError:
                return None
        return _from_document(document)

    def claim(self, message_id: str, slot_key: str, now: datetime) -> SlotClaim | SlotBusy | None:
        new = SlotClaim(
            id=claim_id(message_id, slot_key),
            state=ClaimState.CLAIMED,
            attempts=1,
            claimed_at=now,
            holder=uuid.uuid4().hex,
        )
        for _ in range(_CREATE_TRIES):
            try:
                with domain_errors():
                    return _from_document(self._container.create_item(self._document(new)))
            except (AlreadyExistsError, OutcomeUnknownError):
                pass  # someone's claim is there, or ours landed unanswered: read it
            current = self._read(new.id)
            if current is None:
                continue  # never landed, or released meanwhile: create it again
            if current.holder == new.holder:
                return current
            return self._take_over(current, new, now)
        return SlotBusy(until=now)  # released and claimed again under our feet: next run

    def _take_over(
        self, current: SlotClaim, new: SlotClaim, now: datetime
    ) -> SlotClaim | SlotBusy | None:
        if not may_take_over(current, now):
            return busy(current, now)
        taken = new.model_copy(update={"attempts": current.attempts + 1})
        try:
            with domain_errors():
                stored = self._container.replace_item(
                    new.id,
                    self._document(taken),
                    etag=current.version,
                    match_condition=MatchConditions.IfNotModified,
                )
        except ConcurrentUpdateError:
            return SlotBusy(until=now + CLAIM_LEASE)  # another run took it over first
        except OutcomeUnknownError:
            reread = self._read(new.id)
            if reread is not None and reread.holder == new.holder:
                return reread
            return SlotBusy(until=now + CLAIM_LEASE)
        return _from_document(stored)

    def settle(self, claim: SlotClaim, state: ClaimState) -> None:
        document = self._document(claim.model_copy(update={"state": state}))
        try:
            with domain_errors():
                self._container.upsert_item(document)
        except OutcomeUnknownError:
            # Harmless to repeat, and better settled now than by the claim's lease (which
            # would send a SENT reminder again).
            with domain_errors():
                self._container.upsert_item(document)

    def forget(self, message_id: str, slot_keys: Collection[str]) -> int:
        forgotten = 0
        with domain_errors():
            for slot_key in slot_keys:
                document_id = claim_id(message_id, slot_key)
                try:
                    self._container.delete_item(document_id, partition_key=document_id)
                    forgotten += 1
                except exceptions.CosmosResourceNotFoundError:
                    pass
        return forgotten

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
