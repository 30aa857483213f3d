"""Nothing accepted is lost: enqueue failures, the sweeper, the last attempt, redrive."""

from __future__ import annotations

import pytest

from shared.domain.errors import StorageUnavailableError
from shared.domain.message import FailureReason, MessageStatus, RejectionReason
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.domain.profile import Profile
from shared.services.create_message import create_message
from shared.services.process_message import fail_message, process_message
from shared.services.redrive import RedriveOutcome, redrive_poisoned
from shared.services.sweep_accepted import sweep_accepted
from tests.builders import FISCAL_CODE, a_message, a_service, message_json
from tests.fakes import (
    FakeAttachmentStore,
    FakeClock,
    FakeIdempotencyStore,
    FakeMessageQueue,
    FakeMessageRepository,
    FakePoisonQueue,
    FakeProfileRepository,
)
from tests.port_faults import REFUSED, FaultyPort

GRACE = 300
RETENTION = 1000


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def messages(clock):
    return FakeMessageRepository(clock)


@pytest.fixture
def queue(clock):
    return FakeMessageQueue(clock)


class BrokenQueue:
    def send(self, ref: MessageRef) -> None:
        raise StorageUnavailableError("the storage queue is unreachable")

    def oldest_waiting(self) -> None:
        raise StorageUnavailableError("the storage queue is unreachable")


def _ref(message) -> MessageRef:
    return MessageRef(message_id=message.id, fiscal_code=message.fiscal_code)


def _sweep(messages, queue, clock, **overrides):
    options = {"grace_seconds": GRACE, "max_redeliveries": 2, **overrides}
    options.setdefault("attachments", FakeAttachmentStore())
    return sweep_accepted(messages=messages, queue=queue, clock=clock, **options)


# --- enqueue failure ------------------------------------------------------------------------


def test_a_message_whose_enqueue_failed_is_accepted_and_sent_by_the_sweeper(messages, clock, queue):
    # GIVEN a message accepted while the queue was down
    accepted = create_message(
        a_service(),
        *validate_new_message(FISCAL_CODE, message_json()),
        idempotency_key="k-1",
        messages=messages,
        queue=BrokenQueue(),
        idempotency=FakeIdempotencyStore(),
        attachments=FakeAttachmentStore(),
        clock=clock,
    )
    assert not accepted.queued
    # WHEN the sweeper runs after the grace
    clock.advance(seconds=GRACE + 1)
    assert _sweep(messages, queue, clock).resent == 1
    # THEN it sent the reference the acceptance could not
    assert queue.sent == [_ref(accepted.message)]


# --- rejection retention ----------------------------------------------------------------


def test_a_rejected_message_expires_after_the_retention_a_processed_one_is_kept(messages, clock):
    profiles = FakeProfileRepository()
    rejected = messages.add(a_message(message_id="r"))
    profiles.save(Profile(fiscal_code=FISCAL_CODE, service_preferences={"svc-2": False}))
    processed = messages.add(a_message(message_id="p", sender_service_id="svc-1"))
    for message in (rejected, processed):
        if message.id == "r":
            profiles.stored.clear()
        else:
            profiles.save(Profile(fiscal_code=FISCAL_CODE))
        process_message(
            _ref(message),
            messages=messages,
            profiles=profiles,
            attachments=FakeAttachmentStore(),
            clock=clock,
            rejected_retention_seconds=RETENTION,
        )
    assert messages.get(FISCAL_CODE, "r").rejection_reason is RejectionReason.USER_NOT_FOUND
    assert messages.get(FISCAL_CODE, "r").retention_seconds == RETENTION
    assert messages.get(FISCAL_CODE, "p").retention_seconds is None


# --- the sweeper ----------------------------------------------------------------------------


def test_the_sweeper_resends_only_messages_accepted_longer_than_the_grace(messages, queue, clock):
    old = messages.add(a_message(message_id="old"))
    clock.advance(seconds=GRACE - 10)
    messages.add(a_message(message_id="young"))
    decided = messages.add(a_message(message_id="decided"))
    messages.replace(decided.processed(clock.now()))
    clock.advance(seconds=11)
    report = _sweep(messages, queue, clock)
    assert (report.resent, report.failed) == (1, 0)
    assert queue.sent == [_ref(old)]
    resent = messages.get(FISCAL_CODE, "old")
    assert resent.redeliveries == 1
    assert resent.status_history[-1].reason == "RESENT"


def test_a_resent_message_waits_a_full_grace_before_the_next_resend(messages, queue, clock):
    messages.add(a_message())
    clock.advance(seconds=GRACE + 1)
    _sweep(messages, queue, clock)
    queue.take_all()  # received by a host that died
    clock.advance(seconds=GRACE - 1)
    assert _sweep(messages, queue, clock).resent == 0
    clock.advance(seconds=2)
    assert _sweep(messages, queue, clock).resent == 1


def test_the_sweeper_gives_up_after_the_redelivery_limit(messages, queue, clock):
    messages.add(a_message())
    for _ in range(2):
        clock.advance(seconds=GRACE + 1)
        _sweep(messages, queue, clock)
        queue.take_all()  # received by a host that died
    clock.advance(seconds=GRACE + 1)
    report = _sweep(messages, queue, clock)
    assert (report.resent, report.failed) == (0, 1)
    stored = messages.get(FISCAL_CODE, a_message().id)
    assert (stored.status, stored.failure_reason) == (
        MessageStatus.FAILED,
        FailureReason.REDELIVERY_LIMIT,
    )
    assert len(queue.sent) == 2


# --- the last attempt ---------------------------------------------------------------------


def test_fail_message_marks_an_undecided_message_failed(messages, clock):
    stored = messages.add(a_message())
    status = fail_message(
        _ref(stored),
        FailureReason.RETRIES_EXHAUSTED,
        messages=messages,
        attachments=FakeAttachmentStore(),
        clock=clock,
    )
    assert status is MessageStatus.FAILED
    assert messages.get(FISCAL_CODE, stored.id).failure_reason is FailureReason.RETRIES_EXHAUSTED


def test_fail_message_leaves_a_decided_message_alone(messages, clock):
    stored = messages.add(a_message())
    messages.replace(stored.processed(clock.now()))
    status = fail_message(
        _ref(stored),
        FailureReason.RETRIES_EXHAUSTED,
        messages=messages,
        attachments=FakeAttachmentStore(),
        clock=clock,
    )
    assert status is MessageStatus.PROCESSED


# --- poison and redrive -------------------------------------------------------------------


def test_redrive_puts_a_failed_message_back_and_it_then_ends_processed(messages, queue, clock):
    poison = FakePoisonQueue()
    stored = messages.add(a_message())
    messages.replace(stored.failed(FailureReason.RETRIES_EXHAUSTED, clock.now()))
    poison.put(_ref(stored).to_json())
    (result,) = redrive_poisoned(poison=poison, queue=queue, messages=messages, clock=clock)
    assert result.outcome is RedriveOutcome.REDRIVEN
    assert queue.sent == [_ref(stored)]
    assert poison.texts == {}
    redriven = messages.get(FISCAL_CODE, stored.id)
    assert (redriven.status, redriven.failure_reason) == (MessageStatus.ACCEPTED, None)
    profiles = FakeProfileRepository()
    profiles.save(Profile(fiscal_code=FISCAL_CODE))
    status = process_message(
        queue.sent[0],
        messages=messages,
        profiles=profiles,
        attachments=FakeAttachmentStore(),
        clock=clock,
        rejected_retention_seconds=RETENTION,
    )
    assert status is MessageStatus.PROCESSED
    history = [change.status for change in messages.get(FISCAL_CODE, stored.id).status_history]
    assert history == ["ACCEPTED", "FAILED", "ACCEPTED", "PROCESSED"]


def test_redrive_drops_decided_and_missing_messages_and_keeps_malformed_ones(
    messages, queue, clock
):
    poison = FakePoisonQueue()
    decided = messages.add(a_message(message_id="decided"))
    messages.replace(decided.processed(clock.now()))
    poison.put(_ref(decided).to_json())
    poison.put(MessageRef(message_id="gone", fiscal_code=FISCAL_CODE).to_json())
    malformed = poison.put("garbage")
    results = redrive_poisoned(poison=poison, queue=queue, messages=messages, clock=clock)
    assert sorted(r.outcome for r in results) == ["ALREADY_DECIDED", "MALFORMED", "MISSING"]
    assert list(poison.texts) == [malformed]
    assert queue.sent == []


def test_redrive_of_one_message_leaves_the_others(messages, queue, clock):
    poison = FakePoisonQueue()
    for message_id in ("a", "b"):
        stored = messages.add(a_message(message_id=message_id))
        messages.replace(stored.failed(FailureReason.RETRIES_EXHAUSTED, clock.now()))
        poison.put(_ref(stored).to_json())
    results = redrive_poisoned(
        poison=poison, queue=queue, messages=messages, clock=clock, message_id="b"
    )
    assert [(r.message_id, r.outcome) for r in results] == [("b", "REDRIVEN")]
    (left,) = poison.texts.values()
    assert MessageRef.from_json(left).message_id == "a"


def test_a_reference_still_waiting_in_a_backlog_is_not_sent_again(messages, queue, clock):
    # GIVEN a backlog: a reference sent long ago still waits at the front of the queue
    queue.send(MessageRef(message_id="older", fiscal_code=FISCAL_CODE))
    clock.advance(seconds=10)
    accepted = messages.add(a_message())
    queue.send(_ref(accepted))
    # WHEN the sweeper runs long after the grace, the backlog not yet drained
    clock.advance(seconds=GRACE * 10)
    report = _sweep(messages, queue, clock)
    # THEN it sends nothing again and counts no re-send: the message is waiting its turn
    assert report.resent == 0
    assert messages.get(FISCAL_CODE, accepted.id).redeliveries == 0


def test_once_the_queue_moved_past_a_message_it_is_sent_again(messages, queue, clock):
    # GIVEN a message whose reference a host received and then died with
    accepted = messages.add(a_message())
    queue.send(_ref(accepted))
    queue.take_all()
    clock.advance(seconds=10)
    queue.send(MessageRef(message_id="newer", fiscal_code=FISCAL_CODE))
    # WHEN the sweeper runs after the grace
    clock.advance(seconds=GRACE + 1)
    # THEN the message is sent again
    assert _sweep(messages, queue, clock).resent == 1


def test_a_sweep_while_the_queue_is_down_sends_nothing_and_counts_nothing(messages, clock):
    messages.add(a_message())
    clock.advance(seconds=GRACE + 1)
    report = _sweep(messages, BrokenQueue(), clock)
    assert (report.resent, report.queue_unreachable) == (0, True)
    assert messages.get(FISCAL_CODE, a_message().id).redeliveries == 0


def test_a_resend_whose_count_cannot_be_written_is_still_sent(messages, queue, clock):
    stored = messages.add(a_message())
    clock.advance(seconds=GRACE + 1)
    messages.replace = FaultyPort(messages, "replace", [REFUSED]).replace
    assert _sweep(messages, queue, clock).resent == 1
    assert queue.sent == [_ref(stored)]
