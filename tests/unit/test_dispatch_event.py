"""The dispatcher: each pending event claimed, delivered and removed; retried with backoff;
given up on at its deadline or at a final refusal (a callback into the dead letters)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.callback_signature import verify
from shared.domain.callbacks import CallbackTarget, Refused, RetryLater, SealedSecret
from shared.domain.events import (
    DEFAULT_TIMING,
    EventRef,
    EventType,
    new_event,
)
from shared.domain.message import MessageStatus
from shared.domain.profile import PreferenceMode, Profile, PushContent
from shared.domain.push import ReminderKind
from shared.domain.service import Tier
from shared.services.dispatch_event import Dispatch, DispatchPorts, dispatch_event
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import FISCAL_CODE, SUBJECT, a_message, a_service
from tests.fakes import (
    FakeApiKeyRepository,
    FakeCallbackSender,
    FakeClock,
    FakeDeadEventStore,
    FakeEventQueue,
    FakeMessageRepository,
    FakeProfileRepository,
    FakePushSender,
    FakeSecretOpener,
    FakeServiceRepository,
)

SECRET = b"s" * 32
URL = "https://hooks.comune.example.it/postino"


class World:
    def __init__(self, *outcomes, callback: bool = True) -> None:
        self.clock = FakeClock()
        self.messages = FakeMessageRepository(self.clock)
        self.profiles = FakeProfileRepository()
        self.services = FakeServiceRepository()
        target = CallbackTarget(
            url=URL,
            secrets=(
                SealedSecret(
                    id="cbs_1",
                    sealed=FakeSecretOpener.sealed_for("svc-1", SECRET),
                    created_at=datetime(2026, 11, 1, tzinfo=UTC),
                ),
            ),
        )
        self.services.add(
            a_service(name="Tributi", tier=Tier.PREMIUM, callback=target if callback else None)
        )
        self.push = FakePushSender()
        self.callbacks = FakeCallbackSender(*outcomes)
        self.dead = FakeDeadEventStore()
        self.queue = FakeEventQueue()
        self.ports = self.ports_of("worker-a")

    def ports_of(self, holder: str) -> DispatchPorts:
        return DispatchPorts(
            messages=self.messages,
            profiles=self.profiles,
            directory=CachedServiceDirectory(
                api_keys=FakeApiKeyRepository(),
                services=self.services,
                clock=self.clock,
                ttl=timedelta(0),
            ),
            push=self.push,
            callbacks=self.callbacks,
            secrets=FakeSecretOpener(),
            dead_events=self.dead,
            queue=self.queue,
            clock=self.clock,
            hash_key="k" * 32,
            holder=holder,
        )

    def pending(self, event_type: EventType) -> EventRef:
        message = a_message(status=MessageStatus.PROCESSED)
        event = new_event(event_type, self.clock.now(), reason=None)
        self.messages.add(message.with_events(event))
        return EventRef(message_id=message.id, fiscal_code=FISCAL_CODE, event_id=event.id)

    def outbox(self, ref: EventRef):
        message = self.messages.get(ref.fiscal_code, ref.message_id)
        assert message is not None
        return message.outbox

    def dispatch(self, ref: EventRef, holder: str = "worker-a") -> Dispatch:
        return dispatch_event(ref, ports=self.ports_of(holder))


def test_a_new_message_push_goes_anonymous_by_default_and_leaves_the_outbox():
    world = World()
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE, preferred_languages=("en_GB",)))
    ref = world.pending(EventType.NEW_MESSAGE_PUSH)

    assert world.dispatch(ref) is Dispatch.DELIVERED

    (push,) = world.push.sent
    assert push.kind is ReminderKind.NEW_MESSAGE
    assert push.collapse_key == ref.message_id
    assert SUBJECT not in push.body
    assert FISCAL_CODE not in push.tag
    assert world.outbox(ref) == ()


def test_a_citizen_who_chose_full_content_sees_the_service_and_the_subject():
    world = World()
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE, push_content=PushContent.FULL))
    ref = world.pending(EventType.NEW_MESSAGE_PUSH)

    world.dispatch(ref)

    (push,) = world.push.sent
    assert (push.title, push.body) == ("Tributi", SUBJECT)


@pytest.mark.parametrize(
    "profile",
    [
        None,
        Profile(fiscal_code=FISCAL_CODE, new_message_pushes=False),
        Profile(
            fiscal_code=FISCAL_CODE,
            blocked_service_ids=frozenset({"svc-1"}),
            preference_mode=PreferenceMode.LEGACY,
        ),
    ],
)
def test_no_push_once_the_citizen_turned_pushes_off_blocked_the_service_or_left(profile):
    world = World()
    if profile is not None:
        world.profiles.save(profile)
    ref = world.pending(EventType.NEW_MESSAGE_PUSH)

    assert world.dispatch(ref) is Dispatch.DROPPED

    assert world.push.sent == []
    assert world.outbox(ref) == ()


def test_a_callback_is_signed_verifiably_and_carries_nothing_personal():
    world = World()
    ref = world.pending(EventType.PROCESSED)

    assert world.dispatch(ref) is Dispatch.DELIVERED

    ((url, body, headers),) = world.callbacks.posts
    assert url == URL
    now = int(world.clock.now().timestamp())
    assert verify(SECRET, headers, body, now=now)
    assert not verify(b"x" * 32, headers, body, now=now)
    event = json.loads(body)
    assert event == {
        "id": ref.event_id,
        "type": "message.processed",
        "occurred_at": "2026-11-02T09:30:00Z",
        "message_id": ref.message_id,
    }
    assert FISCAL_CODE.encode() not in body
    assert SUBJECT.encode() not in body


def test_a_second_reference_to_a_delivered_event_delivers_nothing():
    world = World()
    ref = world.pending(EventType.PROCESSED)
    world.dispatch(ref)

    assert world.dispatch(ref) is Dispatch.GONE
    assert len(world.callbacks.posts) == 1


def test_an_event_claimed_by_a_live_dispatcher_is_left_to_it_and_taken_over_after_its_lease():
    world = World()
    ref = world.pending(EventType.PROCESSED)
    # Worker b claimed it and died before delivering (its claim is stored).
    message = world.messages.get(FISCAL_CODE, ref.message_id)
    assert message is not None
    event = message.outbox[0]
    world.messages.replace(message.with_event(event.claimed("worker-b", world.clock.now())))

    assert world.dispatch(ref) is Dispatch.NOT_NOW
    world.clock.advance(seconds=DEFAULT_TIMING.claim_lease.total_seconds() + 1)
    assert world.dispatch(ref) is Dispatch.DELIVERED
    assert len(world.callbacks.posts) == 1


def test_a_failed_callback_is_retried_later_with_the_same_id_on_a_delayed_reference():
    world = World(RetryLater("HTTP 503"), RetryLater("timeout"))
    ref = world.pending(EventType.PROCESSED)

    assert world.dispatch(ref) is Dispatch.RETRY_LATER
    (event,) = world.outbox(ref)
    assert event.attempts == 1
    assert event.claimed_by is None
    assert event.last_error == "HTTP 503"
    (sent, delay) = world.queue.sent[0]
    assert sent == ref
    assert timedelta(seconds=5) <= delay <= timedelta(seconds=10)
    assert event.not_before == world.clock.now() + delay

    assert world.dispatch(ref) is Dispatch.NOT_NOW  # too early
    world.clock.advance(seconds=delay.total_seconds())
    assert world.dispatch(ref) is Dispatch.RETRY_LATER
    world.clock.advance(seconds=world.queue.sent[1][1].total_seconds())
    assert world.dispatch(ref) is Dispatch.DELIVERED

    ids = {json.loads(body)["id"] for _, body, _ in world.callbacks.posts}
    assert ids == {ref.event_id}
    assert len(world.callbacks.posts) == 3


def test_retry_after_is_honoured():
    world = World(RetryLater("HTTP 429", retry_after_seconds=120))
    ref = world.pending(EventType.PROCESSED)

    world.dispatch(ref)

    assert world.queue.sent[0][1] == timedelta(seconds=120)


def test_a_final_refusal_puts_the_callback_in_the_dead_letters_at_once():
    world = World(Refused("HTTP 410"))
    ref = world.pending(EventType.REJECTED)

    assert world.dispatch(ref) is Dispatch.GIVEN_UP

    (dead,) = world.dead.list_for("svc-1", 10)
    assert (dead.id, dead.message_id, dead.type, dead.last_error) == (
        ref.event_id,
        ref.message_id,
        EventType.REJECTED,
        "HTTP 410",
    )
    assert world.outbox(ref) == ()


def test_a_callback_failing_for_a_day_goes_to_the_dead_letters():
    world = World(*[RetryLater("timeout")] * 100)
    ref = world.pending(EventType.PROCESSED)
    outcomes = []
    for _ in range(100):
        outcomes.append(world.dispatch(ref))
        if outcomes[-1] is Dispatch.GIVEN_UP:
            break
        world.clock.advance(seconds=world.queue.sent[-1][1].total_seconds())

    assert outcomes[-1] is Dispatch.GIVEN_UP
    assert 10 <= len(world.callbacks.posts) <= 30
    assert (
        world.clock.now() - datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
        <= DEFAULT_TIMING.callback_deadline
    )
    assert len(world.dead.list_for("svc-1", 10)) == 1


def test_a_push_the_push_service_keeps_refusing_is_dropped_after_its_hour_not_dead_lettered():
    world = World()
    world.profiles.save(Profile(fiscal_code=FISCAL_CODE))
    ref = world.pending(EventType.NEW_MESSAGE_PUSH)
    world.push.fail_next(1000)
    outcome = Dispatch.RETRY_LATER
    while outcome is Dispatch.RETRY_LATER:
        outcome = world.dispatch(ref)
        if world.queue.sent:
            world.clock.advance(seconds=world.queue.sent[-1][1].total_seconds())

    assert outcome is Dispatch.GIVEN_UP
    assert world.dead.list_for("svc-1", 10) == []
    assert world.outbox(ref) == ()


def test_a_callback_removed_since_drops_its_events():
    world = World(callback=False)
    ref = world.pending(EventType.PROCESSED)

    assert world.dispatch(ref) is Dispatch.DROPPED
    assert world.callbacks.posts == []
