"""Replaying dead callbacks: back in their message's outbox under their own id, the dead
letter dropped after; a replay cut short, run again, adds nothing twice."""

from __future__ import annotations

from shared.domain.events import DEFAULT_TIMING, DeadEvent, EventType, new_event
from shared.domain.message import MessageStatus
from shared.services.replay_events import ReplayOutcome, replay_dead_events
from tests.builders import FISCAL_CODE, a_message
from tests.fakes import FakeClock, FakeDeadEventStore, FakeEventQueue, FakeMessageRepository


def _world():
    clock = FakeClock()
    messages = FakeMessageRepository(clock)
    dead_events = FakeDeadEventStore()
    queue = FakeEventQueue()
    message = messages.add(a_message(status=MessageStatus.PROCESSED))
    event = new_event(EventType.PROCESSED, clock.now())
    clock.advance(days=1)
    dead = DeadEvent.of(event, service_id="svc-1", message_id=message.id, now=clock.now())
    dead_events.put(dead)
    return clock, messages, dead_events, queue, dead


def _replay(clock, messages, dead_events, queue, **kwargs):
    return replay_dead_events(
        "svc-1",
        dead_events=dead_events,
        messages=messages,
        queue=queue,
        clock=clock,
        limit=100,
        **kwargs,
    )


def test_a_replayed_event_is_back_in_its_outbox_with_its_id_and_a_new_deadline():
    clock, messages, dead_events, queue, dead = _world()

    (result,) = _replay(clock, messages, dead_events, queue)

    assert result.outcome is ReplayOutcome.REPLAYED
    message = messages.get(FISCAL_CODE, dead.message_id)
    assert message is not None
    (event,) = message.outbox
    assert (event.id, event.type, event.occurred_at) == (dead.id, dead.type, dead.occurred_at)
    assert event.deadline() == clock.now() + DEFAULT_TIMING.callback_deadline
    assert [ref.event_id for ref in queue.refs] == [dead.id]
    assert dead_events.list_for("svc-1", 10) == []


def test_a_replay_cut_short_before_the_dead_letter_was_dropped_adds_nothing_twice():
    clock, messages, dead_events, queue, dead = _world()
    _replay(clock, messages, dead_events, queue)
    dead_events.put(dead)  # as if the process died before dropping it

    clock.advance(minutes=1)
    _replay(clock, messages, dead_events, queue)

    message = messages.get(FISCAL_CODE, dead.message_id)
    assert message is not None
    assert [event.id for event in message.outbox] == [dead.id]
    assert dead_events.list_for("svc-1", 10) == []


def test_an_event_whose_message_expired_is_dropped():
    clock, messages, dead_events, queue, _dead = _world()
    messages.stored.clear()

    (result,) = _replay(clock, messages, dead_events, queue)

    assert result.outcome is ReplayOutcome.MESSAGE_GONE
    assert dead_events.list_for("svc-1", 10) == []
    assert queue.sent == []


def test_only_the_named_event_is_replayed():
    clock, messages, dead_events, queue, dead = _world()

    assert _replay(clock, messages, dead_events, queue, event_id="01NOTTHATONE") == []
    assert dead_events.list_for("svc-1", 10) == [dead]
