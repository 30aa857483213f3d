"""The reminder runs: each timed, its storage calls counted, and checked to push exactly
once per due message; every size run alternately, so the machine's noise falls on all."""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.cpu_usage import cpu_ms_per_message, cpu_snapshot
from bench.pipeline_stack import BenchStack
from bench.reminder_fanout import fanned_out_run
from bench.reminder_fill import fill, restore_due
from bench.reminder_floor import compare_calls, floor_run
from bench.reminder_scenario import Options, Scenario, scenario_stores
from bench.storage_call_counts import counting_calls
from shared.adapters.push_queue import queue_push_sender
from shared.adapters.queues import queue_client
from shared.domain.push import Push
from shared.services.ports import PushSender
from shared.services.send_reminders import ReminderReport

# Restoring the due set between runs (not timed).
RESTORE_THREADS = 4


def progress(text: str) -> None:
    print(f"[bench.reminders] {text}", file=sys.stderr, flush=True)


class RecordingPush:
    """The real push sender, noting which message each push was about."""

    def __init__(self, inner: PushSender) -> None:
        self._inner = inner
        self.message_ids: list[str] = []

    def send(self, push: Push) -> None:
        self._inner.send(push)
        self.message_ids.append(push.message_id)


def _report_dict(report: ReminderReport) -> dict[str, Any]:
    return {
        "looked_at": report.looked_at,
        "sent": report.sent,
        "by_kind": {str(kind): n for kind, n in sorted(report.by_kind.items())},
        "deferred": report.deferred,
        "skipped": report.skipped,
        "failed": report.failed,
        "dropped": report.dropped,
    }


def one_run(
    scenario: Scenario, failures: list[str], label: str, options: Options
) -> dict[str, Any]:
    """One reminder run over the due set, fanned out, timed and counted; checks what it
    sent."""
    settings = scenario.stack.settings
    push = RecordingPush(queue_push_sender(settings.storage, scenario.push_queue))
    ports = scenario.ports(push)
    cpu_before = cpu_snapshot()
    with counting_calls() as counts:
        started = time.perf_counter()
        run = fanned_out_run(
            ports, workers=options.partition_workers, concurrency=options.concurrency
        )
        seconds = time.perf_counter() - started
    report = run.report
    cpu_after = cpu_snapshot()
    due_ids = Counter(message.id for message in scenario.due)
    sent_ids = Counter(push.message_ids)
    exact = sent_ids == due_ids and report.sent == len(due_ids)
    if not exact:
        missing = len(due_ids - sent_ids)
        extra = sum((sent_ids - due_ids).values())
        failures.append(
            f"{label}: sent {sum(sent_ids.values())} pushes for {len(due_ids)} due reminders "
            f"({missing} missing, {extra} extra); report {_report_dict(report)}"
        )
    return {
        "seconds": round(seconds, 3),
        "reminders_per_s": round(report.sent / seconds, 1) if seconds else None,
        "sent_exactly_the_due": exact,
        "partitions": run.partitions,
        "largest_partitions": list(run.sizes[:4]),
        "report": _report_dict(report),
        **counts.as_dict(),
        "cpu_ms_per_reminder": cpu_ms_per_message(cpu_before, cpu_after, max(len(due_ids), 1)),
    }


def _queue_length(stack: BenchStack, name: str) -> int:
    client = queue_client(stack.settings.storage, name)
    return client.get_queue_properties().approximate_message_count or 0


@dataclass
class _Measured:
    """What was measured of one scenario."""

    scenario: Scenario
    stored: int
    filled: dict[str, Any] = field(default_factory=dict)
    warmup: dict[str, Any] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    queued: int = 0

    def summary(self) -> dict[str, Any]:
        reads = [run["documents_read"] for run in self.runs]
        return {
            "stored": self.stored,
            "due": len(self.scenario.due),
            "fill": self.filled,
            "warmup_seconds": self.warmup["seconds"],
            "run_median_seconds": round(statistics.median(run["seconds"] for run in self.runs), 3),
            "floor_median_seconds": round(
                statistics.median(run["floor"]["seconds"] for run in self.runs), 3
            ),
            "to_floor_median": round(statistics.median(run["to_floor"] for run in self.runs), 3),
            "partitions": self.runs[-1]["partitions"],
            "documents_read_per_run": max(reads),
            "documents_read_same_every_run": len(set(reads)) == 1,
            "pushes_queued": self.queued,
            "runs": self.runs,
            "failures": self.failures,
        }


def run_scenarios(
    sizes: Sequence[tuple[BenchStack, int]], options: Options
) -> list[dict[str, Any]]:
    """Fill each stack with its number of messages, then time a warm-up run of each and
    `options.repeat` runs of each, alternately, so the machine's noise falls on all alike."""
    if not all(0 < options.due <= stored for _, stored in sizes):
        raise ValueError("the due reminders must be at least one and at most what is stored")
    with contextlib.ExitStack() as stores:
        measured = [
            _Measured(stores.enter_context(scenario_stores(stack)), stored)
            for stack, stored in sizes
        ]
        for each in measured:
            progress(
                f"stored {each.stored}: filling from {options.fill_processes} processes of "
                f"{options.fill_threads} threads"
            )
            each.filled = fill(each.scenario, each.stored, options)
            progress(f"stored {each.stored}: filled in {each.filled['seconds']} s")
        for each in measured:
            each.warmup = one_run(each.scenario, each.failures, "warm-up", options)
        for index in range(options.repeat):
            for each in measured:
                restore_due(each.scenario, RESTORE_THREADS)
                run = one_run(each.scenario, each.failures, f"run {index + 1}", options)
                floor = floor_run(
                    each.scenario, partitions=run["partitions"], threads=options.floor_threads
                )
                calls = compare_calls(run, floor)
                if not calls["calls_match"]:
                    each.failures.append(f"the floor's calls differ: {calls['mismatches']}")
                run["floor"] = {**floor, **calls}
                run["to_floor"] = round(floor["seconds"] / run["seconds"], 3)
                each.runs.append(run)
                progress(
                    f"stored {each.stored}: run {index + 1} took {run['seconds']} s, its floor "
                    f"{floor['seconds']} s ({run['to_floor']} of the floor's speed)"
                )
        expected = options.due * (options.repeat + 1)
        for each in measured:
            each.queued = _queue_length(each.scenario.stack, each.scenario.push_queue)
            if each.queued != expected:
                each.failures.append(f"the push queue holds {each.queued} pushes, not {expected}")
    return [each.summary() for each in measured]
