"""Operators' per-service counts of pushes and paid notices (`message stats`): a delivered
new-message push and each reminder sent are counted on their message and in its sender's
index, once however often a write is repeated after a lost reply; a count that cannot be
written never stops a delivery; paid notices are those whose payment is in force now."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from shared.domain.events import EventType
from shared.domain.message import MessageStatus
from shared.domain.payment import Payment, payment_id
from shared.domain.profile import Profile
from shared.domain.service_messages import ServiceMessageEntry, ServiceMessageFilter
from shared.services.dispatch_event import Dispatch, dispatch_event
from shared.services.push_counts import count_reminder_sent
from shared.services.service_message_report import service_message_counts
from tests.builders import FISCAL_CODE, a_message, a_service
from tests.fakes import (
    FakeClock,
    FakeMessageRepository,
    FakePaymentRepository,
    FakeServiceMessageIndex,
    FakeServiceRepository,
)
from tests.port_faults import LOST, REFUSED, Fault, FaultyPort
from tests.unit.test_dispatch_event import World

PAYEE = "01234567890"
DAY = datetime(2026, 11, 2, tzinfo=UTC)


def _dispatching_world(faults: list[Fault | None] | None = None) -> tuple[World, FaultyPort]:
    world = World()
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE))
    faulty = FaultyPort(world.messages, "replace", faults or [])  # type: ignore[arg-type]
    world.messages = faulty  # type: ignore[assignment]
    return world, faulty


def _dispatch(world: World, event_type: EventType, index: FakeServiceMessageIndex) -> Dispatch:
    ref = world.pending(event_type)
    return dispatch_event(ref, ports=replace(world.ports_of("worker-a"), index=index))


def _entry(index: FakeServiceMessageIndex) -> ServiceMessageEntry:
    (entry,) = index.stored.values()
    return entry


def test_a_delivered_new_message_push_is_counted_on_its_message_and_in_the_index():
    world, _ = _dispatching_world()
    index = FakeServiceMessageIndex()
    assert _dispatch(world, EventType.NEW_MESSAGE_PUSH, index) is Dispatch.DELIVERED
    (message,) = world.messages.stored.values()
    assert message.pushed_at == world.clock.now()
    assert message.pushes_sent == 1
    assert (_entry(index).pushes, _entry(index).status) == (1, MessageStatus.PROCESSED)


def test_a_callback_is_no_push():
    world, _ = _dispatching_world()
    index = FakeServiceMessageIndex()
    assert _dispatch(world, EventType.PROCESSED, index) is Dispatch.DELIVERED
    assert index.stored == {}
    assert all(message.pushes_sent == 0 for message in world.messages.stored.values())


def test_a_lost_reply_on_the_removal_counts_the_push_once_and_still_indexes_it():
    # The claim's write passes, the removal's lands and its answer is lost.
    world, faulty = _dispatching_world([None, LOST])
    index = FakeServiceMessageIndex()
    assert _dispatch(world, EventType.NEW_MESSAGE_PUSH, index) is Dispatch.DELIVERED
    (message,) = world.messages.stored.values()
    assert (message.outbox, message.pushes_sent) == ((), 1)
    assert _entry(index).pushes == 1
    assert len(world.push.sent) == 1
    assert faulty.calls == 2


def test_a_lost_reply_on_the_claim_delivers_once():
    world, _ = _dispatching_world([LOST])
    index = FakeServiceMessageIndex()
    assert _dispatch(world, EventType.NEW_MESSAGE_PUSH, index) is Dispatch.DELIVERED
    assert len(world.push.sent) == 1
    (message,) = world.messages.stored.values()
    assert (message.outbox, message.pushes_sent) == ((), 1)


def test_an_index_that_cannot_be_written_does_not_undo_the_delivery():
    world, _ = _dispatching_world()
    index = FakeServiceMessageIndex()
    index.failing = True
    assert _dispatch(world, EventType.NEW_MESSAGE_PUSH, index) is Dispatch.DELIVERED
    (message,) = world.messages.stored.values()
    assert (message.outbox, message.pushes_sent) == ((), 1)


# --- reminders ------------------------------------------------------------------------------


def _stored_message() -> tuple[FakeMessageRepository, FakeServiceMessageIndex]:
    messages = FakeMessageRepository(FakeClock())
    messages.add(a_message(status=MessageStatus.PROCESSED))
    return messages, FakeServiceMessageIndex()


def _only(messages: FakeMessageRepository):
    (message,) = messages.stored.values()
    return message


def test_each_reminder_slot_counts_once_on_the_message_and_in_the_index():
    messages, index = _stored_message()
    for slot in ("unread:1", "unread:1", "unread:2"):
        assert count_reminder_sent(_only(messages), slot, messages=messages, index=index)
    assert _only(messages).reminded == ("unread:1", "unread:2")
    assert _entry(index).pushes == 2


def test_a_reminder_count_whose_reply_was_lost_is_not_counted_twice():
    messages, index = _stored_message()
    faulty = FaultyPort(messages, "replace", [LOST])
    assert count_reminder_sent(_only(messages), "unread:1", messages=faulty, index=index)
    assert _only(messages).reminded == ("unread:1",)
    assert _entry(index).pushes == 1


def test_a_reminder_count_that_cannot_be_written_is_given_up_without_raising():
    messages, index = _stored_message()
    faulty = FaultyPort(messages, "replace", [REFUSED])
    assert not count_reminder_sent(_only(messages), "unread:1", messages=faulty, index=index)
    assert _only(messages).reminded == ()
    assert index.stored == {}


def test_a_reminder_count_survives_a_citizen_reading_the_message_meanwhile():
    messages, index = _stored_message()
    before = _only(messages)
    messages.replace(before.read(before.created_at + timedelta(hours=1)))
    assert count_reminder_sent(before, "unread:1", messages=messages, index=index)
    after = _only(messages)
    assert (after.reminded, after.is_read) == (("unread:1",), True)
    assert (_entry(index).pushes, _entry(index).read) == (1, True)


# --- paid notices ---------------------------------------------------------------------------


def _paid(notice: str, *, reversed_: bool = False) -> Payment:
    return Payment(
        id=payment_id(PAYEE, notice),
        payee_fiscal_code=PAYEE,
        notice_number=notice,
        paid_at=DAY,
        recorded_at=DAY,
        reversed_at=DAY + timedelta(hours=1) if reversed_ else None,
    )


def test_paid_counts_notices_whose_payment_is_in_force_each_once():
    services = FakeServiceRepository()
    services.add(a_service("svc-1"))
    index = FakeServiceMessageIndex()
    payments = FakePaymentRepository()
    for hour, notice in enumerate(["301", "301", "302", "303"]):
        created = DAY + timedelta(hours=hour)
        index.put(
            ServiceMessageEntry(
                id=f"01JCZ00000000000000000{hour:04d}",
                service_id="svc-1",
                created_at=created,
                status=MessageStatus.PROCESSED,
                status_changed_at=created,
                pushes=hour,
                notice=(PAYEE, notice),
            )
        )
    payments.add(_paid("301"))
    payments.add(_paid("302", reversed_=True))  # "303" was never paid
    where = ServiceMessageFilter("svc-1")
    counts = service_message_counts(where, index=index, services=services, payments=payments)
    assert (counts.paid, counts.pushes, counts.sent) == (1, 6, 4)
    assert payments.reads == 3  # one read per notice
    unpaid = service_message_counts(where, index=index, services=services)
    assert unpaid.paid is None  # not counted, not zero
