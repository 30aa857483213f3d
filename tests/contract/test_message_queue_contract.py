"""The MessageQueue contract, for the fake and for an Azurite queue."""

from __future__ import annotations

from shared.domain.message_ref import MessageRef


def test_sent_references_arrive_in_order_and_intact(message_queue_and_reader):
    queue, drain = message_queue_and_reader
    refs = [MessageRef(message_id=f"m{i}", fiscal_code="RSSMRA80A01H501U") for i in range(3)]
    for ref in refs:
        queue.send(ref)
    assert drain() == refs
