"""The MessageQueue contract, for the fake and for an Azurite queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain.message_ref import MessageRef


def test_sent_references_arrive_in_order_and_intact(message_queue_and_reader):
    queue, drain = message_queue_and_reader
    refs = [MessageRef(message_id=f"m{i}", fiscal_code="RSSMRA80A01H501U") for i in range(3)]
    for ref in refs:
        queue.send(ref)
    assert drain() == refs


def test_the_oldest_waiting_reference_is_known_until_it_is_received(message_queue_and_reader):
    queue, drain = message_queue_and_reader
    # GIVEN an empty queue: nothing waits
    assert queue.oldest_waiting() is None
    # WHEN two references are sent
    before = datetime.now(UTC) - timedelta(seconds=5)
    queue.send(MessageRef(message_id="m1", fiscal_code="RSSMRA80A01H501U"))
    queue.send(MessageRef(message_id="m2", fiscal_code="RSSMRA80A01H501U"))
    # THEN the front's insertion time is known, until a host receives them
    oldest = queue.oldest_waiting()
    assert oldest is not None
    assert before <= oldest <= datetime.now(UTC) + timedelta(seconds=5)
    drain()
    assert queue.oldest_waiting() is None
