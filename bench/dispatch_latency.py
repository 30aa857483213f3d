"""Dispatch latency with a slow receiver: does one service's slow callback endpoint hold up
the other services' events?

Two services with callbacks on the local receiver: one whose receiver answers at once, one
whose receiver answers after a delay (each of `delays` in turn, 0 first). Events occur at a
steady `rate`, alternately of each service, as ProcessMessage makes them: the message
written with its event in its outbox, then the event's reference sent to the events queue
(the fast path). Latency is from the event's `occurred_at` to its POST reaching the
receiver; reported per service, median and p99, with the growth of the prompt service's
latency over its latency when no receiver is slow.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from typing import Any

from bench.dispatch_scenario import (
    EVENTS_QUEUE,
    CallbackService,
    DispatchWorld,
    bare_queue,
    event_refs,
    queue_length,
    wait_until,
)
from shared.config import DEFAULT_CALLBACK_RECEIVER_CONCURRENCY
from shared.domain.events import EventType

# A delayed run may end well after its last event occurs: the slow receiver's backlog. Its
# callbacks go out at most CALLBACK_RECEIVER_CONCURRENCY at once (the bulkhead), so its
# backlog drains at that many per delay; twice that time is allowed, on top of this.
DRAIN_SECONDS = 120.0
# Events sent before those counted, to bring the host's polling to the steady rate.
WARMUP_SECONDS = 3.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _figures(latencies: list[float]) -> dict[str, Any]:
    if not latencies:
        return {"events": 0, "median_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "events": len(latencies),
        "median_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
    }


def _emit(
    world: DispatchWorld, services: list[CallbackService], count: int, rate: float
) -> list[str]:
    """`count` events at `rate` per second, alternately of each service (the fast path:
    the message written with its event, then the event's reference sent); their ids."""
    events_queue = bare_queue(world.stack, EVENTS_QUEUE)
    started = time.monotonic()
    ids = []
    for index in range(count):
        time.sleep(max(0.0, started + index / rate - time.monotonic()))
        service = services[index % len(services)]
        message = world.message_with_event(service.service_id, index, EventType.PROCESSED)
        [ref] = event_refs([world.messages.add(message)])
        events_queue.send_message(ref.to_json())
        ids.append(ref.event_id)
    return ids


def latency_run(
    world: DispatchWorld,
    prompt: CallbackService,
    slow: CallbackService,
    *,
    delay: float,
    events: int,
    rate: float,
) -> dict[str, Any]:
    """One steady run with the slow service's receiver answering after `delay` seconds.
    The first WARMUP_SECONDS of events are not counted: the host polls an idle queue
    only every few seconds (host.json's maxPollingInterval), and the rate it sees must be
    steady before latency means anything."""
    world.receiver.clear()
    world.receiver.slow(slow.path, delay)
    warmup = max(2, round(rate * WARMUP_SECONDS))
    ids = _emit(world, [prompt, slow], warmup + events, rate)
    slow_backlog = len(ids) / 2 * delay / DEFAULT_CALLBACK_RECEIVER_CONCURRENCY
    wait_until(
        lambda: {a.event["id"] for a in world.receiver.arrivals} >= set(ids),
        DRAIN_SECONDS + 2 * slow_backlog,
        f"the events of the run with a {delay:g} s receiver",
    )
    wait_until(
        lambda: queue_length(world.stack, EVENTS_QUEUE) == 0,
        DRAIN_SECONDS,
        "the events queue emptying",
    )
    counted = set(ids[warmup:])
    first: dict[str, tuple[str, float]] = {}
    for arrival in world.receiver.arrivals:
        event_id = arrival.event["id"]
        if event_id in counted and event_id not in first:
            occurred = datetime.fromisoformat(arrival.event["occurred_at"]).timestamp()
            first[event_id] = (arrival.path, (arrival.at - occurred) * 1000)
    by_path: dict[str, list[float]] = {prompt.path: [], slow.path: []}
    for path, latency in first.values():
        by_path.setdefault(path, []).append(latency)
    return {
        "receiver_delay_s": delay,
        "events": events,
        "warmup_events": warmup,
        "rate_per_s": rate,
        "prompt_service": _figures(by_path[prompt.path]),
        "slow_service": _figures(by_path[slow.path]),
    }


def latency_runs(
    world: DispatchWorld, *, delays: tuple[float, ...], events: int, rate: float
) -> dict[str, Any]:
    """A run per delay (0 first, as the baseline), and how the prompt service's latency
    grew over the baseline's."""
    prompt = world.callback_service("/prompt")
    slow = world.callback_service("/slow")
    ordered = sorted(set(delays) | {0.0})
    runs = [
        latency_run(world, prompt, slow, delay=delay, events=events, rate=rate) for delay in ordered
    ]
    world.receiver.slow(slow.path, 0.0)
    baseline = runs[0]["prompt_service"]
    for run in runs:
        figures = run["prompt_service"]
        for key in ("median_ms", "p99_ms"):
            grown = None
            if figures[key] is not None and baseline[key]:
                grown = round(figures[key] / baseline[key], 2)
            figures[f"{key.removesuffix('_ms')}_to_no_slow_receiver"] = grown
    return {"events_per_run": events, "rate_per_s": rate, "runs": runs}
