"""Acceptance under real faults, through the real SDK and the Cosmos emulator: a write
whose reply is lost truly landed, and the code truly saw ServiceResponseError.

The two mechanisms an operator's fault run found: a lost reply that made a retry create a
second message, and a replay answered while the first attempt's enqueue was failing, after
which the message was deleted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.adapters.cosmos_idempotency import CosmosIdempotencyStore
from shared.adapters.cosmos_messages import CosmosMessageRepository
from shared.bootstrap import build_app
from shared.domain.errors import MessageMaybeStoredError, StorageUnavailableError
from shared.domain.message import MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.services.create_message import Accepted, create_message
from shared.storage_layout import ContainerName
from tests.builders import a_service, message_json, random_fiscal_code
from tests.fakes import FakeMessageQueue
from tests.faultinjection import FaultyTransport, cosmos_container, cosmos_write


@pytest.fixture
def faults() -> FaultyTransport:
    return FaultyTransport()


@pytest.fixture
def ports(local_stack, faults) -> dict[str, Any]:
    """The acceptance ports on the real emulators, Cosmos calls through `faults`."""
    app = build_app(local_stack.settings)
    messages = CosmosMessageRepository(
        cosmos_container(local_stack.settings, ContainerName.MESSAGES, transport=faults)
    )
    idempotency = CosmosIdempotencyStore(
        cosmos_container(local_stack.settings, ContainerName.IDEMPOTENCY, transport=faults),
        ttl_seconds=local_stack.settings.rejected_retention_seconds,
    )
    return {
        "messages": messages,
        "queue": FakeMessageQueue(),
        "idempotency": idempotency,
        "attachments": app.attachments,
        "clock": app.clock,
    }


def _send(ports: dict[str, Any], fiscal_code: str, *, key: str | None, service_id: str) -> Accepted:
    return create_message(
        a_service(service_id),
        *validate_new_message(fiscal_code, message_json()),
        idempotency_key=key,
        **ports,
    )


def _stored(local_stack, fiscal_code: str) -> list[dict[str, Any]]:
    container = build_app(local_stack.settings).messages._container  # type: ignore[attr-defined]
    return list(
        container.query_items(
            "SELECT * FROM c WHERE c.fiscal_code = @fc",
            parameters=[{"name": "@fc", "value": fiscal_code}],
        )
    )


def test_a_lost_reply_to_the_message_write_then_a_retry_with_the_key_makes_one_message(
    local_stack, ports, faults
):
    # GIVEN the message write lands but its reply is lost, then Cosmos refuses the rewrite
    fiscal_code, key, service = random_fiscal_code(), "campaign-9/row-1", "svc-lost-reply"
    message_write = cosmos_write(ContainerName.MESSAGES, "POST")
    outage = {"on": True}
    faults.lose_reply(message_write)
    faults.refuse(lambda *request: outage["on"] and message_write(*request), times=10)
    with pytest.raises(StorageUnavailableError) as unavailable:
        _send(ports, fiscal_code, key=key, service_id=service)
    outage["on"] = False
    # WHEN the institution retries with its key
    retried = _send(ports, fiscal_code, key=key, service_id=service)
    # THEN it learns the id of the one message stored, which the 503 named
    assert [doc["id"] for doc in _stored(local_stack, fiscal_code)] == [retried.message.id]
    assert retried.replayed
    assert isinstance(unavailable.value, MessageMaybeStoredError)
    assert unavailable.value.message_id == retried.message.id


def test_a_lost_reply_to_the_message_write_is_resolved_within_the_request(
    local_stack, ports, faults
):
    fiscal_code = random_fiscal_code()
    faults.lose_reply(cosmos_write(ContainerName.MESSAGES, "POST"))
    accepted = _send(ports, fiscal_code, key=None, service_id="svc-lost-once")
    assert not accepted.replayed
    assert [doc["id"] for doc in _stored(local_stack, fiscal_code)] == [accepted.message.id]
    assert ports["queue"].sent == [
        MessageRef(message_id=accepted.message.id, fiscal_code=fiscal_code)
    ]


def test_a_lost_reply_to_the_reservation_is_resolved_to_the_same_message_id(
    local_stack, ports, faults
):
    fiscal_code = random_fiscal_code()
    faults.lose_reply(cosmos_write(ContainerName.IDEMPOTENCY, "POST"))
    first = _send(ports, fiscal_code, key="k-reservation", service_id="svc-lost-reservation")
    again = _send(ports, fiscal_code, key="k-reservation", service_id="svc-lost-reservation")
    assert (first.replayed, again.replayed) == (False, True)
    assert again.message.id == first.message.id
    assert len(_stored(local_stack, fiscal_code)) == 1


class _QueueStuckUntilARetry(FakeMessageQueue):
    """The enqueue of the first attempt blocks; meanwhile the client retries; then the
    enqueue fails (the queue SDK's retries ran out)."""

    def __init__(self, retry: Any) -> None:
        super().__init__()
        self._retry = retry
        self.retried: Accepted | None = None

    def send(self, ref: MessageRef) -> None:
        if self.retried is None:
            self.retried = self._retry()
            raise StorageUnavailableError("the storage queue is unreachable")
        super().send(ref)


def test_a_message_replayed_while_its_enqueue_fails_is_kept_and_delivered(local_stack, ports):
    # GIVEN request A stored M1 and is stuck on its enqueue; the client's retry with the
    # same key is answered 201 with M1 meanwhile, and A's enqueue then fails
    fiscal_code, key, service = random_fiscal_code(), "k-stuck", "svc-stuck-enqueue"
    queue = _QueueStuckUntilARetry(
        lambda: _send(
            {**ports, "queue": FakeMessageQueue()}, fiscal_code, key=key, service_id=service
        )
    )
    first = _send({**ports, "queue": queue}, fiscal_code, key=key, service_id=service)
    # THEN both answers name M1, and M1 is still stored, ACCEPTED
    assert queue.retried is not None
    assert queue.retried.message.id == first.message.id
    (document,) = _stored(local_stack, fiscal_code)
    assert (document["id"], document["status"]) == (first.message.id, MessageStatus.ACCEPTED)
    # AND the sweeper's query finds it once its grace has passed
    later = ports["clock"].now() + timedelta(seconds=5)
    waiting = ports["messages"].stale_accepted(later, 10_000)
    assert first.message.id in {message.id for message in waiting}
