"""Redriving one poisoned message and deleting poisoned references leave the others
visible at once (they used to stay hidden for the hold, then come back)."""

from __future__ import annotations

import pytest

from shared.domain.message import FailureReason
from shared.domain.message_ref import MessageRef
from shared.services.redrive import RedriveOutcome, delete_poisoned, redrive_poisoned
from tests.builders import FISCAL_CODE, a_message
from tests.fakes import FakeClock, FakeMessageQueue, FakeMessageRepository, FakePoisonQueue


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def messages(clock) -> FakeMessageRepository:
    return FakeMessageRepository(clock)


def _failed_in_poison(messages, poison, clock, message_id: str) -> MessageRef:
    stored = messages.add(a_message(message_id=message_id))
    messages.replace(stored.failed(FailureReason.RETRIES_EXHAUSTED, clock.now()))
    ref = MessageRef(message_id=message_id, fiscal_code=FISCAL_CODE)
    poison.put(ref.to_json())
    return ref


def test_redriving_one_message_leaves_the_others_visible_at_once(messages, clock):
    # GIVEN two failed messages in the poison queue
    poison, queue = FakePoisonQueue(), FakeMessageQueue()
    _failed_in_poison(messages, poison, clock, "a")
    _failed_in_poison(messages, poison, clock, "b")
    # WHEN only b is redriven
    (result,) = redrive_poisoned(
        poison=poison, queue=queue, messages=messages, clock=clock, message_id="b"
    )
    # THEN a is still listed and can be taken again right away
    assert result.outcome is RedriveOutcome.REDRIVEN
    assert [item.ref.message_id for item in poison.peek(32) if item.ref] == ["a"]
    assert len(poison.take(32, hold_seconds=60)) == 1


def test_a_malformed_entry_left_by_a_redrive_is_still_listed(messages, clock):
    poison, queue = FakePoisonQueue(), FakeMessageQueue()
    poison.put("garbage")
    (result,) = redrive_poisoned(poison=poison, queue=queue, messages=messages, clock=clock)
    assert result.outcome is RedriveOutcome.MALFORMED
    assert len(poison.peek(32)) == 1


def test_deleting_one_reference_leaves_the_others_visible(messages, clock):
    poison = FakePoisonQueue()
    _failed_in_poison(messages, poison, clock, "a")
    _failed_in_poison(messages, poison, clock, "b")
    (deleted,) = delete_poisoned(poison=poison, message_id="a")
    assert deleted.message_id == "a"
    assert [item.ref.message_id for item in poison.peek(32) if item.ref] == ["b"]
    # The message itself is left as it was.
    assert messages.get(FISCAL_CODE, "a") is not None


def test_deleting_a_malformed_entry_by_its_queue_message_id(clock):
    poison = FakePoisonQueue()
    malformed = poison.put("garbage")
    poison.put(MessageRef(message_id="a", fiscal_code=FISCAL_CODE).to_json())
    (deleted,) = delete_poisoned(poison=poison, queue_message_id=malformed)
    assert (deleted.queue_message_id, deleted.message_id) == (malformed, None)
    assert len(poison.peek(32)) == 1


def test_deleting_all_takes_at_most_the_limit(clock):
    poison = FakePoisonQueue()
    for index in range(3):
        poison.put(MessageRef(message_id=f"m{index}", fiscal_code=FISCAL_CODE).to_json())
    assert len(delete_poisoned(poison=poison, limit=2)) == 2
    assert len(poison.peek(32)) == 1
