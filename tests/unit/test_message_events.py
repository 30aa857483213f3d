"""The events a change of a message causes: stored in its outbox by the same write as the
change, announced on the events queue, relayed when the announcement was lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.callbacks import CallbackTarget, SealedSecret
from shared.domain.events import DEFAULT_TIMING, EventType
from shared.domain.message import FailureReason, FeatureLevel, MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.profile import Profile
from shared.domain.service import Tier
from shared.services.citizen_message import open_message
from shared.services.message_events import EventOutbox
from shared.services.process_message import fail_message, process_message
from shared.services.relay_events import relay_events
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import FISCAL_CODE, a_message, a_service
from tests.fakes import (
    FakeApiKeyRepository,
    FakeAttachmentStore,
    FakeClock,
    FakeEventQueue,
    FakeMessageRepository,
    FakeProfileRepository,
    FakeServiceRepository,
)

CALLBACK = CallbackTarget(
    url="https://hooks.comune.example.it/postino",
    secrets=(
        SealedSecret(id="cbs_1", sealed="c2VhbGVk", created_at=datetime(2026, 11, 1, tzinfo=UTC)),
    ),
)


class World:
    def __init__(self, *, callback: bool = True, tier: Tier = Tier.BASIC) -> None:
        self.clock = FakeClock()
        self.messages = FakeMessageRepository(self.clock)
        self.profiles = FakeProfileRepository()
        self.services = FakeServiceRepository()
        self.services.add(a_service(tier=tier, callback=CALLBACK if callback else None))
        self.queue = FakeEventQueue()
        self.outbox = EventOutbox(
            directory=CachedServiceDirectory(
                api_keys=FakeApiKeyRepository(),
                services=self.services,
                clock=self.clock,
                ttl=timedelta(seconds=0),
            ),
            queue=self.queue,
            push_not_before=lambda now: now,
        )
        self.attachments = FakeAttachmentStore()

    def accept(self, **fields: object) -> MessageRef:
        message = a_message().model_copy(update=fields)
        self.messages.add(message)
        return MessageRef(message_id=message.id, fiscal_code=message.fiscal_code)

    def process(self, ref: MessageRef) -> MessageStatus | None:
        return process_message(
            ref,
            messages=self.messages,
            profiles=self.profiles,
            attachments=self.attachments,
            clock=self.clock,
            rejected_retention_seconds=3600,
            outbox=self.outbox,
        )

    def stored(self, ref: MessageRef):
        message = self.messages.get(ref.fiscal_code, ref.message_id)
        assert message is not None
        return message

    def types(self, ref: MessageRef) -> list[EventType]:
        return [event.type for event in self.stored(ref).outbox]


def test_a_processed_message_stores_a_push_and_a_callback_with_its_status_and_announces_them():
    world = World()
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE))
    ref = world.accept()

    assert world.process(ref) is MessageStatus.PROCESSED

    stored = world.stored(ref)
    assert stored.status is MessageStatus.PROCESSED
    assert [event.type for event in stored.outbox] == [
        EventType.NEW_MESSAGE_PUSH,
        EventType.PROCESSED,
    ]
    assert [r.event_id for r in world.queue.refs] == [event.id for event in stored.outbox]
    assert all(delay == timedelta(0) for _, delay in world.queue.sent)


def test_a_citizen_who_wants_no_pushes_gets_none_and_a_service_without_callback_no_event():
    world = World(callback=False)
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE, new_message_pushes=False))
    ref = world.accept()

    world.process(ref)

    assert world.types(ref) == []
    assert world.queue.sent == []


def test_a_rejected_message_calls_back_with_its_reason_and_pushes_nothing():
    world = World()
    ref = world.accept()  # nobody registered

    assert world.process(ref) is MessageStatus.REJECTED

    (event,) = world.stored(ref).outbox
    assert (event.type, event.reason) == (EventType.REJECTED, "USER_NOT_FOUND")


def test_a_redelivered_reference_adds_no_second_event_and_announces_the_pending_ones_again():
    world = World()
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE))
    ref = world.accept()
    world.process(ref)
    first = [event.id for event in world.stored(ref).outbox]

    world.process(ref)

    assert [event.id for event in world.stored(ref).outbox] == first
    assert [r.event_id for r in world.queue.refs] == first + first


def test_with_the_events_queue_down_the_decision_and_its_events_are_stored_and_later_relayed():
    world = World()
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE))
    ref = world.accept()
    world.queue.down = True

    assert world.process(ref) is MessageStatus.PROCESSED
    assert len(world.stored(ref).outbox) == 2
    world.queue.down = False

    assert relay_events(messages=world.messages, queue=world.queue, clock=world.clock).relayed == 0
    world.clock.advance(seconds=DEFAULT_TIMING.relay_grace.total_seconds())
    assert relay_events(messages=world.messages, queue=world.queue, clock=world.clock).relayed == 2
    # Pushed a grace further: the next run does not send them again.
    assert relay_events(messages=world.messages, queue=world.queue, clock=world.clock).relayed == 0
    assert len(world.queue.refs) == 2


def test_a_message_failed_on_the_last_attempt_calls_back_failed():
    world = World()
    ref = world.accept()

    fail_message(
        ref,
        FailureReason.RETRIES_EXHAUSTED,
        messages=world.messages,
        attachments=world.attachments,
        clock=world.clock,
        outbox=world.outbox,
    )

    (event,) = world.stored(ref).outbox
    assert (event.type, event.reason) == (EventType.FAILED, "RETRIES_EXHAUSTED")
    assert [r.event_id for r in world.queue.refs] == [event.id]


def test_quiet_hours_hold_a_push_until_they_end():
    world = World(callback=False)
    morning = world.clock.now() + timedelta(hours=3)
    world.outbox = EventOutbox(
        directory=world.outbox.directory, queue=world.queue, push_not_before=lambda now: morning
    )
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE))
    ref = world.accept()

    world.process(ref)

    (event,) = world.stored(ref).outbox
    assert event.not_before == morning
    assert world.queue.sent[0][1] == timedelta(hours=3)


@pytest.mark.parametrize(
    ("tier", "level", "shares", "expected"),
    [
        (Tier.PREMIUM, FeatureLevel.ADVANCED, True, [EventType.READ]),
        (Tier.PREMIUM, FeatureLevel.ADVANCED, False, []),
        (Tier.PREMIUM, FeatureLevel.STANDARD, True, []),
        (Tier.BASIC, FeatureLevel.ADVANCED, True, []),
    ],
)
def test_reading_calls_back_only_premium_senders_of_advanced_messages_when_the_citizen_shares(
    tier, level, shares, expected
):
    world = World(tier=tier)
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE, share_read_status=shares))
    message = a_message(status=MessageStatus.PROCESSED).model_copy(
        update={"feature_level_type": level, "received_at": world.clock.now()}
    )
    world.messages.add(message)

    open_message(
        FISCAL_CODE,
        message.id,
        read=True,
        messages=world.messages,
        directory=world.outbox.directory,
        attachments=world.attachments,
        clock=world.clock,
        link_lifetime=timedelta(minutes=5),
        profiles=world.profiles,
        outbox=world.outbox,
    )

    stored = world.messages.get(FISCAL_CODE, message.id)
    assert stored is not None
    assert stored.read_at is not None
    assert [event.type for event in stored.outbox] == expected
    assert len(world.queue.refs) == len(expected)


def test_opening_a_message_read_twice_calls_back_once():
    world = World(tier=Tier.PREMIUM)
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE))
    message = a_message(status=MessageStatus.PROCESSED).model_copy(
        update={"feature_level_type": FeatureLevel.ADVANCED}
    )
    world.messages.add(message)
    for _ in range(2):
        open_message(
            FISCAL_CODE,
            message.id,
            read=True,
            messages=world.messages,
            directory=world.outbox.directory,
            attachments=world.attachments,
            clock=world.clock,
            link_lifetime=timedelta(minutes=5),
            profiles=world.profiles,
            outbox=world.outbox,
        )

    stored = world.messages.get(FISCAL_CODE, message.id)
    assert stored is not None
    assert [event.type for event in stored.outbox] == [EventType.RECEIVED, EventType.READ]
