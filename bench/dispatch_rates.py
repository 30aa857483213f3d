"""Events dispatched per second (new-message pushes and status callbacks), against the floor
of their storage operations and delivery; and dispatch latency with a slow receiver.

What is measured is the production path: the DispatchEvent queue function run by the
offline host (as `make run` starts it) in its worker process, on its thread pool, with
host.json's batching; not the use case called in threads of our own. In Azure that host,
not our code, decides how references are received, how many run at once and when they are
deleted, and all of that is part of what an event costs. Every other queue and timer
function is disabled so nothing competes with it. Pushes go where the local app sends them,
the push queue; callbacks to a receiver on 127.0.0.1.

- Calls: one push and one callback are dispatched in this process with the app's adapters
  while every Cosmos and queue call is counted (bench.dispatch_calls); the floor makes the
  same calls, and the report says whether the counts still match it.
- Throughput: a backlog of `--events` events (pushes and callbacks alternately, each in a
  PROCESSED message's outbox) released at once on the events queue; events/s from the first
  delivery to the last (bench.dispatch_rounds). Floor: the same backlog on a queue of its
  own, dispatched with the bare SDKs and http.client on as many threads as the worker runs
  invocations (bench.dispatch_floor). A warm-up round of each, then `--repeat` rounds,
  alternately; the ratio is the median of each round's events/s over its floor's.
  Goal: at least 0.7 of the floor (the issue's standard for the reminders, and the
  pipeline's for acceptance). No event may be lost or delivered twice (one whose storage
  call timed out stays in its outbox for the relay, and is counted as left to it).
- Latency with a slow receiver (bench.dispatch_latency): `--latency-events` callbacks at a
  steady `--rate`, half to a prompt receiver and half to one answering after each of
  `--delays` seconds. Goal: the prompt service's median at most 2x its median when no
  receiver is slow (a slow receiver must not hold up other services' events); its p99 is
  reported beside it (with a few hundred events, one stall of the shared machine is the p99).

    .venv/bin/python -m bench.dispatch_rates [--events 500] [--repeat 3] [--warmup 50]
        [--latency-events 200] [--rate 10] [--delays 0.2,1] [--json-out FILE]

Prints the JSON summary on stdout and a short table on stderr. Exit code 1 if a goal was
missed or an event was lost or delivered twice.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.dispatch_calls import FLOOR_CALLS, count_dispatch_calls, floor_matches
from bench.dispatch_latency import latency_runs
from bench.dispatch_rounds import dispatch_round, floor_round
from bench.dispatch_scenario import (
    EVENTS_QUEUE,
    bare_queue,
    dispatch_world,
    dispatching_host,
    worker_threads,
)
from bench.output import report_result
from bench.pipeline_stack import BenchStack, delete_queue, fresh_queue, own_stack

TARGET_RATIO = 0.7
TARGET_PROMPT_GROWTH = 2.0


@dataclass(frozen=True)
class Options:
    events: int = 500
    repeat: int = 3
    warmup: int = 50
    citizens: int = 20
    latency_events: int = 200
    rate: float = 10.0
    delays: tuple[float, ...] = (0.2, 1.0)


def _progress(text: str) -> None:
    print(f"[bench.dispatch_rates] {text}", file=sys.stderr, flush=True)


def _median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(statistics.median(present), 3) if present else None


def _rounds(
    dispatch: Callable[[int], dict[str, Any]],
    floor: Callable[[int], dict[str, Any]],
    options: Options,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The warm-up rounds, then the timed rounds alternately: (warm-ups, dispatch, floor)."""
    _progress(f"warm-up: {options.warmup} events, host then floor")
    warmups = [dispatch(options.warmup), floor(options.warmup)]
    dispatched, floors = [], []
    for index in range(options.repeat):
        _progress(f"round {index + 1}/{options.repeat}: {options.events} events, host")
        dispatched.append(dispatch(options.events))
        _progress(f"round {index + 1}/{options.repeat}: {options.events} events, floor")
        floors.append(floor(options.events))
    return warmups, dispatched, floors


def benchmark_on(stack: BenchStack, options: Options, *, log_dir: Path) -> dict[str, Any]:
    """Both parts on `stack` (already running), with a host of the benchmark's own."""
    threads = worker_threads(os.cpu_count() or 1)
    # A shared stack's events queue may hold references of earlier runs, to receivers long
    # gone; dropping them loses nothing (their events wait in their outboxes for the relay).
    bare_queue(stack, EVENTS_QUEUE).clear_messages()
    refs_queue = fresh_queue(stack, "bench-floor-refs")
    push_queue = fresh_queue(stack, "bench-floor-push")
    try:
        with dispatch_world(stack, options.citizens) as world:
            service = world.callback_service("/rates")
            _progress("counting the calls of one dispatch of each kind")
            calls = count_dispatch_calls(world, service)
            with dispatching_host(stack, log_dir / "host.log"):
                warmups, dispatched, floors = _rounds(
                    lambda count: dispatch_round(world, service, count),
                    lambda count: floor_round(
                        world,
                        service,
                        count,
                        refs_queue=refs_queue,
                        push_queue=push_queue,
                        threads=threads,
                    ),
                    options,
                )
                _progress(f"latency at {options.rate:g}/s with receivers slow by {options.delays}")
                latency = latency_runs(
                    world, delays=options.delays, events=options.latency_events, rate=options.rate
                )
    finally:
        delete_queue(stack, refs_queue)
        delete_queue(stack, push_queue)
    return summarize(
        options,
        threads=threads,
        calls=calls,
        warmups=warmups,
        dispatched=dispatched,
        floors=floors,
        latency=latency,
    )


def summarize(
    options: Options,
    *,
    threads: int,
    calls: dict[str, Any],
    warmups: list[dict[str, Any]],
    dispatched: list[dict[str, Any]],
    floors: list[dict[str, Any]],
    latency: dict[str, Any],
) -> dict[str, Any]:
    """The figures, the ratios to the floor, and whether every goal was met."""
    ratios = [
        None
        if mine["events_per_s"] is None or not floor["events_per_s"]
        else mine["events_per_s"] / floor["events_per_s"]
        for mine, floor in zip(dispatched, floors, strict=True)
    ]
    ratio = _median(ratios)
    growth = [run["prompt_service"]["median_to_no_slow_receiver"] for run in latency["runs"][1:]]
    worst_growth = max((value for value in growth if value is not None), default=None)
    tails = [run["prompt_service"]["p99_to_no_slow_receiver"] for run in latency["runs"][1:]]
    worst_tail = max((value for value in tails if value is not None), default=None)
    failures = []
    for name, runs in (("warm-up", warmups), ("host", dispatched), ("floor", floors)):
        for index, run in enumerate(runs):
            if not run["nothing_lost_or_repeated"]:
                failures.append(f"{name} round {index + 1}: an event lost or delivered twice")
            failures += [f"{name} round {index + 1}: {error}" for error in run.get("errors", [])]
    failures += [f"{name}: not delivered" for name, c in calls.items() if not c["delivered"]]
    ratio_met = ratio is not None and ratio >= TARGET_RATIO
    isolation_met = worst_growth is not None and worst_growth <= TARGET_PROMPT_GROWTH
    return {
        "benchmark": "dispatch_rates",
        "options": {**asdict(options), "delays": list(options.delays)},
        "threads": threads,
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "calls_per_event": calls,
        "floor_calls_per_event": FLOOR_CALLS,
        "floor_matches_counted_calls": floor_matches(calls),
        "dispatch": {
            "events_per_s": _median([run["events_per_s"] for run in dispatched]),
            "runs": dispatched,
        },
        "floor": {
            "events_per_s": _median([run["events_per_s"] for run in floors]),
            "runs": floors,
        },
        "warmups": warmups,
        "ratio_to_floor": ratio,
        "ratios_to_floor": [None if value is None else round(value, 3) for value in ratios],
        "latency": latency,
        "prompt_median_growth_worst": worst_growth,
        "prompt_p99_growth_worst": worst_tail,
        "goals": {
            "events_per_s_to_floor_at_least": TARGET_RATIO,
            "events_per_s_to_floor_met": ratio_met,
            "prompt_median_growth_at_most": TARGET_PROMPT_GROWTH,
            "prompt_median_growth_met": isolation_met,
        },
        "failures": failures,
        "ok": ratio_met and isolation_met and not failures,
    }


def render_table(summary: dict[str, Any]) -> str:
    dispatch, floor = summary["dispatch"], summary["floor"]
    runs = ", ".join(str(run["events_per_s"]) for run in dispatch["runs"])
    floor_runs = ", ".join(str(run["events_per_s"]) for run in floor["runs"])
    goals = summary["goals"]
    left = sum(run["left_to_the_relay"] for run in dispatch["runs"])
    lines = [
        f"events/s: host {dispatch['events_per_s']} ({runs}), floor {floor['events_per_s']} "
        f"({floor_runs}), {summary['threads']} threads; {left} left to the relay",
        f"ratio to floor: {summary['ratio_to_floor']} (goal >= "
        f"{goals['events_per_s_to_floor_at_least']}: "
        f"{'met' if goals['events_per_s_to_floor_met'] else 'MISSED'})",
        f"{'receiver delay':>15} {'prompt p50':>11} {'prompt p99':>11} {'p99 growth':>11} "
        f"{'slow p50':>9} {'slow p99':>9}",
    ]
    for run in summary["latency"]["runs"]:
        prompt, slow = run["prompt_service"], run["slow_service"]
        lines.append(
            f"{run['receiver_delay_s']:>13g} s {prompt['median_ms']:>11} {prompt['p99_ms']:>11} "
            f"{prompt['p99_to_no_slow_receiver']:>11} {slow['median_ms']:>9} {slow['p99_ms']:>9}"
        )
    lines.append(
        f"prompt median growth (goal <= {goals['prompt_median_growth_at_most']}): "
        f"{'met' if goals['prompt_median_growth_met'] else 'MISSED'}"
    )
    if summary["failures"]:
        lines.append("FAILURES: " + "; ".join(summary["failures"]))
    return "\n".join(lines)


def run(options: Options, log_dir: Path) -> dict[str, Any]:
    """On emulators of its own."""
    with own_stack(log_dir / "stack") as stack:
        return benchmark_on(stack, options, log_dir=log_dir)


def _delays(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of seconds") from None
    if not delays or min(delays) < 0:
        raise argparse.ArgumentTypeError("a comma-separated list of seconds, none negative")
    return delays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Options()
    parser.add_argument("--events", type=int, default=defaults.events)
    parser.add_argument("--repeat", type=int, default=defaults.repeat)
    parser.add_argument("--warmup", type=int, default=defaults.warmup)
    parser.add_argument("--citizens", type=int, default=defaults.citizens)
    parser.add_argument("--latency-events", type=int, default=defaults.latency_events)
    parser.add_argument("--rate", type=float, default=defaults.rate)
    parser.add_argument("--delays", type=_delays, default=defaults.delays)
    parser.add_argument("--log-dir", type=Path)
    parser.add_argument("--json-out", type=Path)
    arguments = parser.parse_args(argv)
    for name, least in (
        ("events", 2),
        ("warmup", 2),
        ("latency_events", 2),
        ("repeat", 1),
        ("citizens", 1),
    ):
        if getattr(arguments, name) < least:
            parser.error(f"--{name.replace('_', '-')} must be at least {least}")
    if arguments.rate <= 0:
        parser.error("--rate must be positive")
    options = Options(
        events=arguments.events,
        repeat=arguments.repeat,
        warmup=arguments.warmup,
        citizens=arguments.citizens,
        latency_events=arguments.latency_events,
        rate=arguments.rate,
        delays=arguments.delays,
    )
    if arguments.log_dir is not None:
        summary = run(options, arguments.log_dir)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as folder:
            summary = run(options, Path(folder))
    return report_result(
        summary, ok=summary["ok"], json_out=arguments.json_out, table=render_table(summary)
    )


if __name__ == "__main__":
    sys.exit(main())
