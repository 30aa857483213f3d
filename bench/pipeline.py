"""The whole pipeline over HTTP on the local stack, against the floor of its storage operations.

Starts the emulators on free ports and the offline Functions host, registers a service
(rate limit out of reach, yet still counted on every call) and a citizen, then in one run:

- pipeline: POSTs N messages to /api/v1/messages/{fiscal_code} from `--concurrency`
  threads with keep-alive connections; accepted/s = N / wall time of the POSTs; then waits
  until every message is PROCESSED; processed/s = N / (first POST to last PROCESSED); then
  until the events queue is empty (every push due at once is made by ProcessMessage
  itself, with its decision), so the next round starts idle.
  ProcessMessage runs while the POSTs do, in the host's worker processes
  (FUNCTIONS_WORKER_PROCESS_COUNT, 1 by default), as it would in Azure;
- floor: the same storage operations made directly with the SDKs on the same emulators
  (bench.storage_floor): accepted/s floor = Cosmos create + queue send per message;
  processed/s floor = batched queue receive, then Cosmos replace + queue delete per message;
- ratios pipeline / floor (goals: accepting only, accepted/s at least 0.85 of its floor and
  the host's CPU at most 5.5 ms per message; with processing, each at least 0.6), medians over
  `--repeat` alternating runs, after a warm-up of each; and, per phase, the CPU
  milliseconds per message of each process (host, Cosmos emulator, Azurite, this client).

    .venv/bin/python -m bench.pipeline [--messages 2000] [--concurrency 16] [--repeat 1]
        [--json-out FILE] [--accept-only] [--http-client http.client|requests]
        [--host-profile FILE] [--worker-processes N] [--worker-threads N]
        [--queue-batch-size N]

Every round, pipeline or floor, starts with its queues empty (the messages queue, the
floor's, the local push queue), and the local push queue, Notification Hubs' stand-in that
nobody reads here, is emptied every second while a pipeline round runs (bench.push_drain):
each receive or delete costs Azurite more for every queue message it holds, in any queue
(bench.azurite_queue_cost), so what earlier rounds left, or the round's own pushes, would tax
each call more than the one before.

`--accept-only` disables ProcessMessage, to measure acceptance alone: messages accepted
first, then processed, as the issue describes it; without it ProcessMessage competes with
CreateMessage for the same 2 cores, and with one worker process for the same GIL, during the
POSTs (on Azure they would scale out separately). The load generator defaults to
http.client, the lighter of the two (about 0.4 ms of CPU a request against 1.3 ms for
requests, on the host's cores). `--host-profile FILE` has py-spy sample the host and its
worker processes into FILE for the whole run (bench.host_sampling, which also prints where
the samples fell; sampling costs some CPU, so take the benchmark's figures from a run
without it). Each timed phase
starts right after Azurite's once-a-minute storage sweep (bench.azurite_sweeps), which
costs up to a minute of waiting per phase; `--no-sweep-sync` starts at once, and then a
phase a sweep lands in shows a high Azurite CPU per message. The machine is noisy: use
`--repeat 3` for medians.

Prints the JSON summary on stdout and a short table on stderr. Exit code 0 whatever the
ratios (it is a report), 1 if anything failed: a POST not answered 201, a message not
PROCESSED in time, a floor operation that raised.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.azurite_sweeps import wait_for_sweep
from bench.bare_sdk import bare_queue
from bench.cpu_usage import cpu_ms_per_message, cpu_snapshot
from bench.create_message_cpu import BODY
from bench.floor_processes import AcceptProcesses
from bench.http_load import CLIENTS, CREATED, HTTP_CLIENT, MessagePoster
from bench.output import report_result
from bench.pipeline_stack import (
    BenchStack,
    Sender,
    delete_queue,
    fresh_queue,
    own_stack,
    register_citizens,
    register_sender,
    running_host,
)
from bench.processing_watch import (
    messages_container,
    sample_document,
    wait_until_decided,
    wait_until_empty,
)
from bench.push_drain import drained
from bench.storage_floor import FloorPhase, StorageFloor
from infra.local.emulators import PROJECT_ROOT
from shared.storage_layout import QueueName

# The goals (issue [6/6]): accepted/s against the floor accepting only, accepted/s and
# processed/s each against theirs with ProcessMessage running, the host's CPU per accepted
# message accepting only.
TARGET_ACCEPTED_RATIO = 0.85
TARGET_RATIO_WITH_PROCESSING = 0.6
TARGET_HOST_CPU_MS = 5.5
DEFAULT_LOG_DIR = PROJECT_ROOT / ".local" / "logs" / "bench-pipeline"


@dataclass(frozen=True)
class Options:
    messages: int = 2000
    concurrency: int = 16
    repeat: int = 1
    warmup: int = 50
    citizens: int = 1
    process_timeout_seconds: float = 120.0
    floor_batch_size: int = 32
    # The lighter client by default: it shares the 2 cores with the host it measures.
    http_client: str = HTTP_CLIENT
    # Start each timed phase right after Azurite's storage sweep (see bench.azurite_sweeps).
    after_azurite_sweep: bool = True
    # Run the host with ProcessMessage disabled: acceptance alone, nothing processed.
    accept_only: bool = False
    # The host's worker settings (None: the host's and host.json's defaults, one process):
    # FUNCTIONS_WORKER_PROCESS_COUNT, PYTHON_THREADPOOL_THREAD_COUNT, and the queue
    # trigger's batchSize (newBatchThreshold half of it).
    worker_processes: int | None = None
    worker_threads: int | None = None
    queue_batch_size: int | None = None
    # The accept floor's processes (bench.floor_processes), its threads shared among them:
    # 1 is the SDK used plainly from one process.
    floor_processes: int = 1

    def host_settings(self) -> dict[str, str]:
        settings: dict[str, str] = {}
        if self.worker_processes is not None:
            settings["FUNCTIONS_WORKER_PROCESS_COUNT"] = str(self.worker_processes)
        if self.worker_threads is not None:
            settings["PYTHON_THREADPOOL_THREAD_COUNT"] = str(self.worker_threads)
        if self.queue_batch_size is not None:
            queues = "AzureFunctionsJobHost__extensions__queues__"
            settings[f"{queues}batchSize"] = str(self.queue_batch_size)
            settings[f"{queues}newBatchThreshold"] = str(self.queue_batch_size // 2)
        return settings


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(statistics.median(present), 3) if present else None


def _median_cpu(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float | None]]:
    """Per phase and process, the median over runs of CPU milliseconds per message."""
    return {
        phase: {role: _median([run[phase].get(role) for run in runs]) for role in runs[0][phase]}
        for phase in runs[0]
    }


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


class _Run:
    """The pieces one benchmark run shares between its pipeline and floor rounds."""

    def __init__(
        self,
        stack: BenchStack,
        base_url: str,
        sender: Sender,
        options: Options,
        queues: tuple[str, ...],
    ):
        self.stack = stack
        self.options = options
        self.queues = queues
        self.poster = MessagePoster(
            base_url, sender.api_key, BODY, options.concurrency, client=options.http_client
        )
        self.messages = messages_container(stack.settings)
        self.failures: list[str] = []
        self.last_citizens: list[str] = []

    def _empty_queues(self) -> None:
        """Each receive or delete costs Azurite more for every queue message it holds, so
        what earlier rounds left (the accept-only backlogs, the local push queue's pushes)
        would slow each round more than the last: every round, pipeline or floor, starts
        with none."""
        for name in self.queues:
            bare_queue(self.stack.settings, name).clear_messages()

    def _start_round(self, timed: bool) -> dict[str, float | None]:
        """Empty the queues, then wait for Azurite's next sweep if the round is timed."""
        self._empty_queues()
        if not (timed and self.options.after_azurite_sweep):
            return {}
        return {"waited_for_azurite_sweep_s": wait_for_sweep()}

    def pipeline_round(self, count: int, *, timed: bool = True) -> dict[str, Any]:
        citizens = register_citizens(self.stack, self.options.citizens)
        self.last_citizens = citizens
        waited = self._start_round(timed)
        # The round's pushes would tax its own queue calls as they pile up (bench.push_drain).
        with drained(bare_queue(self.stack.settings, self.stack.settings.push_queue)):
            return self._pipeline_round(count, citizens, waited)

    def _pipeline_round(
        self, count: int, citizens: list[str], waited: dict[str, float | None]
    ) -> dict[str, Any]:
        cpu_before = cpu_snapshot()
        posted = self.poster.post(count, citizens)
        cpu_posted = cpu_snapshot()
        posted_until = posted.started_at + posted.wall_seconds
        if posted.failed:
            self.failures.append(
                f"{posted.failed} of {count} POSTs not answered 201: {posted.errors}"
            )
        result: dict[str, Any] = {
            "accepted_per_s": round(posted.per_second, 1),
            "post_seconds": round(posted.wall_seconds, 3),
            "accept_p50_ms": round(_percentile(posted.latencies_ms, 0.50), 2),
            "accept_p99_ms": round(_percentile(posted.latencies_ms, 0.99), 2),
            "statuses": {str(code): n for code, n in sorted(posted.statuses.items())},
            "cpu_ms_per_message": {"posts": cpu_ms_per_message(cpu_before, cpu_posted, count)},
            **waited,
        }
        if self.options.accept_only:
            return result
        created = posted.statuses[CREATED]
        decisions = wait_until_decided(
            self.messages, citizens, created, timeout=self.options.process_timeout_seconds
        )
        if decisions.timed_out or decisions.processed < created:
            self.failures.append(
                f"{created - decisions.processed} of {created} messages not PROCESSED within "
                f"{self.options.process_timeout_seconds}s: {dict(decisions.statuses)}"
            )
        result["cpu_ms_per_message"]["posts_to_all_decided"] = cpu_ms_per_message(
            cpu_before, cpu_snapshot(), count
        )
        # The dispatcher still pushes after the last message is decided: the next round
        # starts once it is done, so the floor never shares the cores with it.
        events_drained = wait_until_empty(
            bare_queue(self.stack.settings, QueueName.EVENTS),
            timeout=self.options.process_timeout_seconds,
        )
        if events_drained is None:
            self.failures.append(
                f"events still queued {self.options.process_timeout_seconds}s after the "
                "messages were decided"
            )
        last = decisions.last_decided_at
        end_to_end = None if last is None else last - posted.started_at
        result |= {
            "processed_per_s": None if not end_to_end else round(count / end_to_end, 1),
            "end_to_end_seconds": None if end_to_end is None else round(end_to_end, 3),
            "drain_after_posts_seconds": None if last is None else round(last - posted_until, 3),
            "message_statuses": dict(decisions.statuses),
            "events_drained_after_decided_s": events_drained,
        }
        return result

    def floor_round(
        self,
        floor: StorageFloor,
        count: int,
        *,
        accepting: Callable[[int], FloorPhase],
        timed: bool = True,
    ) -> dict[str, Any]:
        """A floor round: `accepting` accepts (`floor.accept`, or the floor's processes'),
        then, unless accepting only, `floor` processes."""
        cpu: dict[str, dict[str, float]] = {}
        waited = self._start_round(timed)
        retried_before = floor.receive_retries
        before = cpu_snapshot()
        phases = {"accepted": accepting(count)}
        accepted = cpu_snapshot()
        cpu["accept"] = _with_other_processes(
            cpu_ms_per_message(before, accepted, count), phases["accepted"], count
        )
        if not self.options.accept_only:
            phases["processed"] = floor.process(count)
            cpu["process"] = cpu_ms_per_message(accepted, cpu_snapshot(), count)
        result: dict[str, Any] = {
            "cpu_ms_per_message": cpu,
            **waited,
            "receive_retries": floor.receive_retries - retried_before,
        }
        for name, phase in phases.items():
            if phase.failures:
                self.failures.append(
                    f"floor {name}: {phase.failures} of {count} failed: {phase.errors}"
                )
            result[f"{name}_per_s"] = round(phase.per_second, 1)
            result[f"{name}_seconds"] = round(phase.seconds, 3)
        return result


def _with_other_processes(cpu: dict[str, float], phase: FloorPhase, count: int) -> dict[str, float]:
    """`cpu` with the CPU of the floor's other processes counted as the client's."""
    extra = round(phase.other_processes_cpu_seconds * 1000 / count, 2)
    if not extra:
        return cpu
    return {
        **cpu,
        "client": round(cpu.get("client", 0.0) + extra, 2),
        "total": round(cpu["total"] + extra, 2),
    }


def run_benchmark(
    stack: BenchStack, base_url: str, options: Options, messages_queue: str
) -> dict[str, Any]:
    """Warm up, then run the pipeline and the floor alternately `options.repeat` times
    against the host at `base_url` (reading `messages_queue`); return the summary (its "ok"
    says whether all went well)."""
    floor_queue = fresh_queue(stack, "bench-floor")
    queues = (messages_queue, floor_queue, stack.settings.push_queue)
    run = _Run(stack, base_url, register_sender(stack), options, queues)
    closing = contextlib.ExitStack()
    try:
        # Warm-up: imports, pydantic schemas, connection pools, the service cache, and a
        # stored message whose shape the floor's documents copy.
        run.pipeline_round(options.warmup, timed=False)
        template = sample_document(run.messages, run.last_citizens[0])
        floor_citizen = register_citizens(stack, 1)[0]
        floor = StorageFloor(
            stack.settings,
            queue_name=floor_queue,
            template=template,
            partition=floor_citizen,
            concurrency=options.concurrency,
            batch_size=options.floor_batch_size,
        )
        if options.floor_processes > 1:
            processes = AcceptProcesses(
                stack.settings,
                queue_name=floor_queue,
                template=template,
                partition=floor_citizen,
                processes=options.floor_processes,
                concurrency=options.concurrency,
            )
            closing.callback(processes.close)
            accepting = processes.accept
        else:
            accepting = floor.accept
        run.floor_round(floor, options.warmup, accepting=accepting, timed=False)
        pipeline_runs, floor_runs = [], []
        for _ in range(options.repeat):
            pipeline_runs.append(run.pipeline_round(options.messages))
            floor_runs.append(run.floor_round(floor, options.messages, accepting=accepting))
    finally:
        closing.close()
        run.poster.close()
        delete_queue(stack, floor_queue)
    return _summary(options, pipeline_runs, floor_runs, run.failures, len(template))


def _target(
    options: Options, ratios: dict[str, Any], pipeline_runs: list[dict[str, Any]]
) -> dict[str, Any]:
    """The goals this run is held to, and whether its medians met them."""
    if not options.accept_only:
        least = TARGET_RATIO_WITH_PROCESSING
        met = all(
            ratios[name] is not None and ratios[name] >= least for name in ("accepted", "processed")
        )
        return {"accepted_ratio_at_least": least, "processed_ratio_at_least": least, "met": met}
    host_cpu = _median([run["cpu_ms_per_message"]["posts"]["host"] for run in pipeline_runs])
    accepted = ratios["accepted"]
    return {
        "accepted_ratio_at_least": TARGET_ACCEPTED_RATIO,
        "host_cpu_ms_at_most": TARGET_HOST_CPU_MS,
        "host_cpu_ms": host_cpu,
        "met": accepted is not None
        and accepted >= TARGET_ACCEPTED_RATIO
        and host_cpu is not None
        and host_cpu <= TARGET_HOST_CPU_MS,
    }


def _summary(
    options: Options,
    pipeline_runs: list[dict[str, Any]],
    floor_runs: list[dict[str, Any]],
    failures: list[str],
    template_fields: int,
) -> dict[str, Any]:
    def medians(runs: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
        found: dict[str, Any] = {key: _median([run.get(key) for run in runs]) for key in keys}
        found["cpu_ms_per_message"] = _median_cpu([run["cpu_ms_per_message"] for run in runs])
        return found

    ratios: dict[str, Any] = {}
    for metric in ("accepted_per_s", "processed_per_s"):
        per_run = [
            _ratio(mine.get(metric), bare.get(metric))
            for mine, bare in zip(pipeline_runs, floor_runs, strict=True)
        ]
        name = metric.removesuffix("_per_s")
        ratios[name] = _median(per_run)
        ratios[f"{name}_runs"] = per_run
    return {
        "benchmark": "pipeline",
        "messages": options.messages,
        "concurrency": options.concurrency,
        "repeat": options.repeat,
        "warmup": options.warmup,
        "citizens": options.citizens,
        "accept_only": options.accept_only,
        "http_client": options.http_client,
        "pipeline": {
            **medians(
                pipeline_runs,
                (
                    "accepted_per_s",
                    "processed_per_s",
                    "accept_p50_ms",
                    "accept_p99_ms",
                    "post_seconds",
                    "drain_after_posts_seconds",
                    "end_to_end_seconds",
                ),
            ),
            "runs": pipeline_runs,
        },
        "floor": {
            **medians(
                floor_runs,
                ("accepted_per_s", "processed_per_s", "accepted_seconds", "processed_seconds"),
            ),
            "accept_operations": ["cosmos create_item", "queue send_message (base64)"],
            "process_operations": [
                f"queue receive_messages (batches of {options.floor_batch_size})",
                "cosmos replace_item",
                "queue delete_message",
            ],
            "document_fields": template_fields,
            "runs": floor_runs,
        },
        "ratios": ratios,
        "target": _target(options, ratios, pipeline_runs),
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "failures": failures,
        "ok": not failures,
    }


def benchmark_on(
    stack: BenchStack, options: Options, *, log_dir: Path, host_profile: Path | None = None
) -> dict[str, Any]:
    """Start the offline host on `stack` (its own messages queue), run the benchmark,
    add the host's peak memory, stop the host."""
    messages_queue = fresh_queue(stack, "bench-messages")
    try:
        with running_host(
            stack,
            messages_queue=messages_queue,
            log=log_dir / "host.log",
            process_messages=not options.accept_only,
            profile_out=host_profile,
            settings=options.host_settings(),
        ) as host:
            summary = run_benchmark(stack, host.base_url, options, messages_queue)
            summary["host_peak_memory_mib"] = host.peak_memory_mib()
    finally:
        delete_queue(stack, messages_queue)
    summary["host_log"] = str(log_dir / "host.log")
    return summary


def run(
    options: Options, *, log_dir: Path = DEFAULT_LOG_DIR, host_profile: Path | None = None
) -> dict[str, Any]:
    """The benchmark on emulators of its own (started, then stopped): its summary, with the
    options and the total time."""
    started = time.monotonic()
    with own_stack(log_dir) as stack:
        summary = benchmark_on(stack, options, log_dir=log_dir, host_profile=host_profile)
    summary["total_seconds"] = round(time.monotonic() - started, 1)
    summary["options"] = asdict(options)
    return summary


def render_table(summary: dict[str, Any]) -> str:
    """A few lines for people: medians, ratios, the target."""
    pipeline, floor, ratios = summary["pipeline"], summary["floor"], summary["ratios"]

    def cell(value: float | None, digits: int = 1) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    target = summary["target"]
    verdict = "met" if target["met"] else "NOT met"
    lines = [
        f"pipeline benchmark: {summary['messages']} messages, concurrency "
        f"{summary['concurrency']}, {summary['repeat']} run(s) (medians), Python "
        f"{summary['python']}, {summary['cpu_count']} CPUs",
        f"{'':14}{'pipeline':>10}{'floor':>10}{'ratio':>8}",
        f"{'accepted/s':14}{cell(pipeline['accepted_per_s']):>10}"
        f"{cell(floor['accepted_per_s']):>10}{cell(ratios['accepted'], 2):>8}"
        f"   target >= {target['accepted_ratio_at_least']}: {verdict}",
        f"{'processed/s':14}{cell(pipeline['processed_per_s']):>10}"
        f"{cell(floor['processed_per_s']):>10}{cell(ratios['processed'], 2):>8}",
        f"accept latency p50 {cell(pipeline['accept_p50_ms'])} ms, p99 "
        f"{cell(pipeline['accept_p99_ms'])} ms; drain after the last POST "
        f"{cell(pipeline['drain_after_posts_seconds'], 2)} s; host peak memory "
        f"{cell(summary.get('host_peak_memory_mib'))} MiB",
    ]
    if summary["failures"]:
        lines.append("FAILURES: " + "; ".join(summary["failures"]))
    return "\n".join(lines)


def arguments_from(argv: list[str] | None) -> argparse.Namespace:
    defaults = Options()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=defaults.messages)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    parser.add_argument("--repeat", type=int, default=defaults.repeat)
    parser.add_argument("--warmup", type=int, default=defaults.warmup)
    parser.add_argument(
        "--citizens", type=int, default=defaults.citizens, help="recipients per run"
    )
    parser.add_argument(
        "--process-timeout",
        type=float,
        default=defaults.process_timeout_seconds,
        help="seconds to wait for every message to be PROCESSED",
    )
    parser.add_argument(
        "--accept-only",
        action="store_true",
        help="disable ProcessMessage: measure acceptance alone (no processed/s)",
    )
    parser.add_argument(
        "--http-client",
        choices=CLIENTS,
        default=defaults.http_client,
        help="the load generator's HTTP client (http.client costs less CPU per request)",
    )
    parser.add_argument(
        "--no-sweep-sync",
        action="store_true",
        help="start timed phases at once instead of right after Azurite's storage sweep",
    )
    parser.add_argument(
        "--host-profile",
        type=Path,
        help="sample the host and its workers with py-spy into this file (bench.host_sampling)",
    )
    parser.add_argument(
        "--worker-processes", type=int, help="the host's FUNCTIONS_WORKER_PROCESS_COUNT"
    )
    parser.add_argument(
        "--worker-threads", type=int, help="the workers' PYTHON_THREADPOOL_THREAD_COUNT"
    )
    parser.add_argument(
        "--queue-batch-size",
        type=int,
        help="the queue trigger's batchSize (newBatchThreshold half of it)",
    )
    parser.add_argument(
        "--floor-processes",
        type=int,
        default=defaults.floor_processes,
        help="make the accept floor from this many processes (the threads shared among them)",
    )
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_LOG_DIR)
    parser.add_argument("--json-out", type=Path)
    arguments = parser.parse_args(argv)
    for name in ("messages", "concurrency", "repeat", "warmup", "citizens", "floor_processes"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if arguments.floor_processes > arguments.concurrency:
        parser.error("--floor-processes must be at most --concurrency (a thread for each)")
    for name in ("worker_processes", "worker_threads", "queue_batch_size"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return arguments


def options_from(arguments: argparse.Namespace) -> Options:
    """The benchmark's options from its command line."""
    return Options(
        messages=arguments.messages,
        concurrency=arguments.concurrency,
        repeat=arguments.repeat,
        warmup=arguments.warmup,
        citizens=arguments.citizens,
        process_timeout_seconds=arguments.process_timeout,
        accept_only=arguments.accept_only,
        http_client=arguments.http_client,
        after_azurite_sweep=not arguments.no_sweep_sync,
        worker_processes=arguments.worker_processes,
        worker_threads=arguments.worker_threads,
        queue_batch_size=arguments.queue_batch_size,
        floor_processes=arguments.floor_processes,
    )


def main(argv: list[str] | None = None) -> int:
    arguments = arguments_from(argv)
    options = options_from(arguments)
    summary = run(options, log_dir=arguments.log_dir, host_profile=arguments.host_profile)
    return report_result(
        summary, ok=summary["ok"], json_out=arguments.json_out, table=render_table(summary)
    )


if __name__ == "__main__":
    sys.exit(main())
