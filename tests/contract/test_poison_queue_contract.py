"""The PoisonQueue contract, for the fake and for an Azurite queue."""

from __future__ import annotations

from shared.domain.message_ref import MessageRef

REF = MessageRef(message_id="m1", fiscal_code="RSSMRA80A01H501U")


def test_peek_shows_references_and_malformed_messages_without_taking_them(
    poison_queue_and_writer,
):
    poison, put = poison_queue_and_writer
    put(REF.to_json())
    put("not a reference")
    first = poison.peek(32)
    assert sorted(str(item.ref) for item in first) == sorted([str(REF), "None"])
    assert len(poison.peek(32)) == 2


def test_taken_messages_are_hidden_until_deleted_or_their_hold_ends(poison_queue_and_writer):
    poison, put = poison_queue_and_writer
    put(REF.to_json())
    (taken,) = poison.take(32, hold_seconds=30)
    assert taken.ref == REF
    assert taken.receipt
    assert poison.take(32, hold_seconds=30) == []
    poison.delete(taken)
    assert poison.peek(32) == []


def test_the_count_includes_taken_messages_until_they_are_deleted(poison_queue_and_writer):
    poison, put = poison_queue_and_writer
    assert poison.approximate_count() == 0
    put(REF.to_json())
    put("not a reference")
    (taken, _) = poison.take(32, hold_seconds=30)
    assert poison.approximate_count() == 2
    poison.delete(taken)
    assert poison.approximate_count() == 1


def test_a_released_message_is_visible_again_at_once(poison_queue_and_writer):
    poison, put = poison_queue_and_writer
    put(REF.to_json())
    (taken,) = poison.take(32, hold_seconds=30)
    poison.release(taken)
    assert [item.ref for item in poison.peek(32)] == [REF]
    (again,) = poison.take(32, hold_seconds=30)
    poison.delete(again)
    assert poison.peek(32) == []
