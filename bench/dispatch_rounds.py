"""One timed round of the dispatch throughput benchmark: a backlog of events dispatched by
the host's DispatchEvent, or by the floor (bench.dispatch_floor).

A round writes `count` PROCESSED messages, each holding one pending event (new-message
pushes and status callbacks alternately), then sends their references invisible until one
moment, so the whole backlog appears at once. Its rate is events per second from the
first delivery to the last (a callback's arrival at the receiver, a push's send returning),
so neither the host's idle polling back-off nor the wait for the release counts. Then it
checks that no event was lost or delivered twice: each was delivered once, or is still in
its message's outbox (a storage call that timed out leaves it to the relay, as designed;
the relay is off here, so the round counts those as left to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench.dispatch_floor import DispatchFloor, FloorEvent
from bench.dispatch_scenario import (
    EVENTS_QUEUE,
    CallbackService,
    DispatchWorld,
    bare_database,
    bare_queue,
    event_refs,
    queue_length,
    send_released_together,
    wait_until,
)
from shared.adapters.push_queue import push_to_json
from shared.domain.citizen_hash import push_tag
from shared.domain.events import EventType
from shared.domain.message import Message
from shared.domain.profile import PushContent
from shared.domain.push import new_message_push
from shared.services.dispatch_event import callback_body
from shared.storage_layout import ContainerName

# Time allowed for a round's backlog to be dispatched, per event, and at least.
SECONDS_PER_EVENT = 0.5
MIN_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class Backlog:
    messages: list[Message]

    @property
    def pushes(self) -> list[Message]:
        return [m for m in self.messages if m.outbox[0].type is EventType.NEW_MESSAGE_PUSH]

    @property
    def callbacks(self) -> list[Message]:
        return [m for m in self.messages if m.outbox[0].type.is_callback]


def _backlog(world: DispatchWorld, service: CallbackService, count: int) -> Backlog:
    kinds = (EventType.NEW_MESSAGE_PUSH, EventType.PROCESSED)
    messages = [
        world.message_with_event(service.service_id, index, kinds[index % 2])
        for index in range(count)
    ]
    return Backlog(world.store(messages))


def _wait_seconds(count: int) -> float:
    return max(MIN_WAIT_SECONDS, count * SECONDS_PER_EVENT)


def _rate(moments: list[float]) -> float | None:
    """Events per second from the first delivery to the last."""
    if len(moments) < 2 or max(moments) <= min(moments):
        return None
    return (len(moments) - 1) / (max(moments) - min(moments))


def _callback_arrivals(world: DispatchWorld, backlog: Backlog) -> dict[str, list[float]]:
    """Each callback event's arrival moments at the receiver."""
    wanted = {m.outbox[0].id for m in backlog.callbacks}
    arrivals: dict[str, list[float]] = {}
    for arrival in world.receiver.arrivals:
        event_id = arrival.event.get("id")
        if event_id in wanted:
            arrivals.setdefault(event_id, []).append(arrival.at)
    return arrivals


def _outcome(
    backlog: Backlog,
    *,
    arrivals: dict[str, list[float]],
    pushed: dict[str, float],
    pushes_queued: int,
    left_in_outboxes: int,
    extra: dict[str, Any],
) -> dict[str, Any]:
    moments = [min(times) for times in arrivals.values()] + list(pushed.values())
    rate = _rate(moments)
    pushes = len(backlog.pushes)
    posts_max = max((len(times) for times in arrivals.values()), default=0)
    # An event whose delivery or removal failed (a storage call timing out on a loaded
    # machine) stays in its outbox for the relay, disabled here: not lost, but not timed.
    nothing_lost_or_repeated = (
        posts_max <= 1
        and pushes_queued <= pushes
        and len(arrivals) + len(pushed) + left_in_outboxes >= len(backlog.messages)
    )
    return {
        "events": len(backlog.messages),
        "events_per_s": None if rate is None else round(rate, 1),
        "seconds": None if rate is None else round((len(moments) - 1) / rate, 2),
        "callbacks_received": len(arrivals),
        "posts_per_callback_max": posts_max,
        "pushes_noted": len(pushed),
        "pushes_queued": pushes_queued,
        "left_to_the_relay": left_in_outboxes,
        "nothing_lost_or_repeated": nothing_lost_or_repeated,
        **extra,
    }


def _settled(world: DispatchWorld, backlog: Backlog) -> tuple[int, dict[str, float]]:
    """How many of the backlog's events are still in their outboxes, and when each noted
    push was delivered (its message's `pushed_at`), read with the bare SDK."""
    container = bare_database(world.stack).get_container_client(ContainerName.MESSAGES)
    left, pushed = 0, {}
    for message in backlog.messages:
        document = container.read_item(message.id, partition_key=message.fiscal_code)
        left += bool(document.get("outbox"))
        if document.get("pushed_at"):
            pushed[message.id] = datetime.fromisoformat(document["pushed_at"]).timestamp()
    return left, pushed


def dispatch_round(world: DispatchWorld, service: CallbackService, count: int) -> dict[str, Any]:
    """A backlog of `count` events dispatched by the running host's DispatchEvent."""
    stack = world.stack
    bare_queue(stack, stack.settings.push_queue).clear_messages()
    world.receiver.clear()
    backlog = _backlog(world, service, count)
    send_released_together(stack, EVENTS_QUEUE, event_refs(backlog.messages))
    wait_until(
        lambda: queue_length(stack, EVENTS_QUEUE) == 0,
        _wait_seconds(count),
        "the host dispatching the backlog",
    )
    # The host deletes a reference once its invocation returned: every write has landed.
    left, pushed = _settled(world, backlog)
    queued = queue_length(stack, stack.settings.push_queue)
    return _outcome(
        backlog,
        arrivals=_callback_arrivals(world, backlog),
        pushed=pushed,
        pushes_queued=queued,
        left_in_outboxes=left,
        extra={},
    )


def _floor_events(
    world: DispatchWorld, service: CallbackService, backlog: Backlog
) -> dict[str, FloorEvent]:
    """What the floor sends for each event, prepared before it is timed."""
    url = world.receiver.url(service.path)
    hash_key = world.stack.settings.citizen_hash_key
    events = {}
    for message in backlog.messages:
        event = message.outbox[0]
        payload = ""
        if not event.type.is_callback:
            payload = push_to_json(
                new_message_push(
                    tag=push_tag(message.fiscal_code, hash_key),
                    preferred_languages=("it_IT",),
                    content=PushContent.ANONYMOUS,
                    service_name="Benchmark",
                    subject=message.content.subject,
                    message_id=message.id,
                )
            )
        events[event.id] = FloorEvent(
            message_id=message.id,
            fiscal_code=message.fiscal_code,
            service_id=message.sender_service_id,
            callback_url=url if event.type.is_callback else None,
            body=callback_body(event, message) if event.type.is_callback else b"",
            push_payload=payload,
        )
    return events


def floor_round(
    world: DispatchWorld,
    service: CallbackService,
    count: int,
    *,
    refs_queue: str,
    push_queue: str,
    threads: int,
) -> dict[str, Any]:
    """The same backlog dispatched by the floor, from `refs_queue`, pushing to `push_queue`."""
    stack = world.stack
    bare_queue(stack, push_queue).clear_messages()
    world.receiver.clear()
    backlog = _backlog(world, service, count)
    events = _floor_events(world, service, backlog)
    floor = DispatchFloor(stack, refs_queue=refs_queue, push_queue=push_queue, threads=threads)
    release = send_released_together(stack, refs_queue, event_refs(backlog.messages))
    run = floor.run(events, release)
    left, _ = _settled(world, backlog)
    queued = queue_length(stack, push_queue)
    extra = {"failures": run.failures, "errors": run.errors}
    return _outcome(
        backlog,
        arrivals=_callback_arrivals(world, backlog),
        pushed=run.pushed_at,
        pushes_queued=queued,
        left_in_outboxes=left,
        extra=extra,
    )
