"""A new-message push due when its message is decided is claimed by the decision's own write
and pushed by the decider right after, with no hop on the events queue; a push that fails,
or a decider that dies, hands it to the queue's retries and the relay, and it is pushed once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.domain.callbacks import CallbackTarget, SealedSecret
from shared.domain.errors import OutcomeUnknownError
from shared.domain.events import DEFAULT_TIMING, EventRef, EventType
from shared.domain.message import Message, MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.profile import Profile
from shared.services.dispatch_event import Dispatch, DispatchPorts, dispatch_event
from shared.services.message_events import EventOutbox
from shared.services.process_message import process_message
from shared.services.relay_events import relay_events
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import FISCAL_CODE, a_message, a_service
from tests.fakes import (
    FakeApiKeyRepository,
    FakeAttachmentStore,
    FakeCallbackSender,
    FakeClock,
    FakeDeadEventStore,
    FakeEventQueue,
    FakeMessageRepository,
    FakeProfileRepository,
    FakePushSender,
    FakeSecretOpener,
    FakeServiceMessageIndex,
    FakeServiceRepository,
)
from tests.port_faults import CRASH_BEFORE, LOST, PASS, FaultyPort, SimulatedCrashError

CALLBACK = CallbackTarget(
    url="https://hooks.comune.example.it/postino",
    secrets=(
        SealedSecret(
            id="cbs_1",
            sealed=FakeSecretOpener.sealed_for("svc-1", b"s" * 32),
            created_at=FakeClock().now(),
        ),
    ),
)
# How long a claim of a decider that died keeps its push from anyone else, then the relay's wait.
CLAIM_THEN_RELAY = DEFAULT_TIMING.claim_lease + DEFAULT_TIMING.relay_grace


class World:
    def __init__(self, *, quiet_for: timedelta = timedelta(0)) -> None:
        self.clock = FakeClock()
        self.messages = FakeMessageRepository(self.clock)
        self.profiles = FakeProfileRepository()
        self.profiles.save(Profile(fiscal_code=FISCAL_CODE))
        self.services = FakeServiceRepository()
        self.services.add(a_service(callback=CALLBACK))
        self.directory = CachedServiceDirectory(
            api_keys=FakeApiKeyRepository(),
            services=self.services,
            clock=self.clock,
            ttl=timedelta(0),
        )
        self.queue = FakeEventQueue()
        self.push = FakePushSender()
        self.index = FakeServiceMessageIndex()
        self.quiet_for = quiet_for

    def ports(self, holder: str, *, push: Any = None, messages: Any = None) -> DispatchPorts:
        return DispatchPorts(
            messages=messages or self.messages,
            profiles=self.profiles,
            directory=self.directory,
            push=push or self.push,
            callbacks=FakeCallbackSender(),
            secrets=FakeSecretOpener(),
            dead_events=FakeDeadEventStore(),
            queue=self.queue,
            clock=self.clock,
            hash_key="k" * 32,
            holder=holder,
            index=self.index,
        )

    def accept(self) -> MessageRef:
        message = a_message()
        self.messages.add(message)
        return MessageRef(message_id=message.id, fiscal_code=message.fiscal_code)

    def process(
        self, ref: MessageRef, holder: str = "worker-a", *, push: Any = None, messages: Any = None
    ) -> MessageStatus | None:
        outbox = EventOutbox(
            directory=self.directory,
            queue=self.queue,
            push_not_before=lambda now: now + self.quiet_for,
            dispatcher=self.ports(holder, push=push, messages=messages),
        )
        return process_message(
            ref,
            messages=messages or self.messages,
            profiles=self.profiles,
            attachments=FakeAttachmentStore(),
            clock=self.clock,
            rejected_retention_seconds=3600,
            outbox=outbox,
            index=self.index,
        )

    def stored(self, ref: MessageRef) -> Message:
        message = self.messages.get(ref.fiscal_code, ref.message_id)
        assert message is not None
        return message

    def pushes_sent_and_counted(self) -> tuple[int, int]:
        """How many pushes went out, and how many the sender's one index entry counts."""
        (entry,) = self.index.stored.values()
        return len(self.push.sent), entry.pushes

    def relay_and_dispatch(self, holder: str = "worker-b") -> list[Dispatch]:
        sent = len(self.queue.sent)
        relay_events(messages=self.messages, queue=self.queue, clock=self.clock)
        return [dispatch_event(ref, ports=self.ports(holder)) for ref in self.queue.refs[sent:]]


def test_a_push_due_at_the_decision_is_pushed_by_the_decider_and_only_the_callback_is_queued():
    world = World()
    ref = world.accept()

    assert world.process(ref) is MessageStatus.PROCESSED

    (push,) = world.push.sent
    assert push.collapse_key == ref.message_id
    stored = world.stored(ref)
    assert [event.type for event in stored.outbox] == [EventType.PROCESSED]
    assert [r.event_id for r in world.queue.refs] == [stored.outbox[0].id]
    assert stored.pushed_at == world.clock.now()
    (entry,) = world.index.stored.values()
    assert (entry.status, entry.pushes) == (MessageStatus.PROCESSED, 1)


def test_a_redelivered_reference_pushes_nothing_more():
    world = World()
    ref = world.accept()
    world.process(ref)

    world.process(ref, holder="worker-b")
    world.clock.advance(seconds=CLAIM_THEN_RELAY.total_seconds())
    world.relay_and_dispatch()

    assert len(world.push.sent) == 1


def test_a_push_held_back_by_the_quiet_hours_waits_unclaimed_on_the_queue():
    world = World(quiet_for=timedelta(hours=8))
    ref = world.accept()

    world.process(ref)

    assert world.push.sent == []
    push = next(e for e in world.stored(ref).outbox if e.type is EventType.NEW_MESSAGE_PUSH)
    assert push.claimed_by is None
    assert (
        EventRef(message_id=ref.message_id, fiscal_code=FISCAL_CODE, event_id=push.id),
        timedelta(hours=8),
    ) in world.queue.sent


def test_a_push_the_service_refuses_for_now_goes_to_the_queue_and_is_pushed_once_later():
    world = World()
    world.push.fail_next(1, retryable=True)
    ref = world.accept()

    assert world.process(ref) is MessageStatus.PROCESSED

    assert world.push.sent == []
    push = next(e for e in world.stored(ref).outbox if e.type is EventType.NEW_MESSAGE_PUSH)
    assert (push.attempts, push.claimed_by) == (1, None)
    retry = next((r, delay) for r, delay in world.queue.sent if r.event_id == push.id)
    world.clock.advance(seconds=retry[1].total_seconds())
    assert dispatch_event(retry[0], ports=world.ports("worker-b")) is Dispatch.DELIVERED
    assert world.pushes_sent_and_counted() == (1, 1)


def test_a_decider_that_dies_before_its_push_leaves_it_to_the_relay_which_pushes_it_once():
    world = World()
    ref = world.accept()

    with pytest.raises(SimulatedCrashError):
        world.process(ref, push=FaultyPort(world.push, "send", [CRASH_BEFORE]))

    # Decided and stored with its push claimed; the queue's redelivery decides nothing again
    # and, the claim held, leaves the push alone.
    assert world.stored(ref).status is MessageStatus.PROCESSED
    assert world.process(ref, holder="worker-b") is MessageStatus.PROCESSED
    assert world.push.sent == []
    assert world.relay_and_dispatch() == []  # the claim has not expired: nothing relayed

    world.clock.advance(seconds=CLAIM_THEN_RELAY.total_seconds())
    outcomes = world.relay_and_dispatch()

    assert Dispatch.DELIVERED in outcomes
    assert [e.type for e in world.stored(ref).outbox] == []
    assert world.pushes_sent_and_counted() == (1, 1)


def test_a_lost_reply_on_the_decision_leaves_its_claimed_push_to_the_relay_which_pushes_once():
    world = World()
    ref = world.accept()

    # The decision's write lands and its answer is lost: the invocation fails before pushing.
    with pytest.raises(OutcomeUnknownError):
        world.process(ref, messages=FaultyPort(world.messages, "replace", [LOST]))

    assert world.push.sent == []
    assert world.process(ref, holder="worker-b") is MessageStatus.PROCESSED  # the queue's retry
    assert world.push.sent == []
    world.clock.advance(seconds=CLAIM_THEN_RELAY.total_seconds())
    assert Dispatch.DELIVERED in world.relay_and_dispatch()
    assert world.pushes_sent_and_counted() == (1, 1)


def test_a_lost_reply_on_the_push_s_removal_still_pushes_once_and_counts_it_once():
    world = World()
    ref = world.accept()
    # The decision's write is answered; the push's removal lands and its answer is lost.
    losing = FaultyPort(world.messages, "replace", [PASS, LOST])

    world.process(ref, messages=losing)

    assert len(world.push.sent) == 1
    assert losing.calls == 2
    stored = world.stored(ref)
    assert [e.type for e in stored.outbox] == [EventType.PROCESSED]
    assert stored.pushed_at is not None
    world.clock.advance(seconds=CLAIM_THEN_RELAY.total_seconds())
    world.relay_and_dispatch()
    assert world.pushes_sent_and_counted() == (1, 1)
