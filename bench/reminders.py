"""A reminder run reads what is due, not what is stored; it fans out over the schedule's
partitions near the speed of its own calls; and pushes/s through the queue.

Each size in `--stored` (10,000 and 100,000) gets a stack of its own (emulators started on
free ports, storage provisioned, as `make run` does), all kept running to the end:

- fill: a Premium service, citizens (`--per-citizen` messages each, all consenting to
  reminders), and N Premium (ADVANCED) PROCESSED messages, each put on the reminder schedule
  by the real ReminderPlanner, written by `--fill-processes` processes of `--fill-threads`
  threads (the client's CPU is the limit: threads share one GIL, processes do not).
  `--due` of them (one per citizen) were processed 3 days before the run, so their first
  unread reminder is due; all the others were processed within the last 2 days, so theirs
  is 1 to 3 days ahead: what a run must not read. The schedule and the claims are
  containers of the benchmark's own (the layout's settings), so no other entries mix in;
- runs, fanned out as on Azure (bench.reminder_fanout): ReminderTimer's
  queue_reminder_partitions finds the open buckets (one query) and queues a work item each;
  `--partition-workers` threads (instances, or a worker's threads) take them, each working
  one partition with send_partition_reminders, `--concurrency` reminders at a time
  (REMINDER_PARTITION_CONCURRENCY). The clock is fixed at RUN_AT (11:45 in Rome: no quiet
  hours), the adapters are the app's (pushes go through QueuePushSender to a queue of the
  benchmark's own). A warm-up run of each size, then `--repeat` measured runs of each, the
  sizes alternately so the shared machine's noise falls on all alike, the due set restored
  before each (entries planned again, claims, marks, daily counters and the messages'
  reminder counts cleared: not timed). Each run must push exactly once per due message.
  During each run every Cosmos call is counted by wrapping ContainerProxy (by container and
  method), and every Storage queue call;
- the floor of each measured run, right after it (bench.reminder_floor): the same calls
  and pushes made with the bare SDK from `--floor-threads` threads (16); the run's speed
  is given as a fraction of the floor's (target: at least 0.7), and the floor's calls are
  checked to be the run's.

Then the ratios of the largest size to the smallest, of the median run time (target: at
most 1.5) and of the documents read per run; and, on the first stack, pushes/s: `--pushes`
pushes sent one after another through QueuePushSender, against the same payloads sent with
the bare SDK's QueueClient.send_message (base64, as every queue here), alternately for
`--push-rounds` rounds (medians).

    .venv/bin/python -m bench.reminders [--stored 10000,100000] [--due 1000] [--repeat 3]
        [--per-citizen 10] [--fill-processes 2] [--fill-threads 1] [--pushes 1000]
        [--push-rounds 3] [--partition-workers 4] [--concurrency 8] [--floor-threads 16]
        [--json-out FILE]

Prints the JSON summary on stdout, progress and a short table on stderr. Exit code 1 if a
target is missed, or a run did not push exactly the due reminders.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from bench.output import report_result
from bench.pipeline_stack import StackFactory, own_stacks
from bench.push_rates import push_rates
from bench.reminder_runs import progress, run_scenarios
from bench.reminder_scenario import Options
from bench.reminder_summary import render_table, summarize
from infra.local.emulators import PROJECT_ROOT

DEFAULT_LOG_DIR = PROJECT_ROOT / ".local" / "logs" / "bench-reminders"


def benchmark(
    options: Options, log_dir: Path = DEFAULT_LOG_DIR, *, stacks: StackFactory | None = None
) -> dict[str, Any]:
    """Each size on a stack of its own, all running until the end; pushes/s on the first.
    `stacks` gives the stacks (by default each started anew, logging under `log_dir`)."""
    stack_for = stacks or own_stacks(log_dir)
    with contextlib.ExitStack() as running:
        sizes = [
            (running.enter_context(stack_for(f"stored-{stored}-{index}")), stored)
            for index, stored in enumerate(options.stored)
        ]
        scenarios = run_scenarios(sizes, options)
        progress(f"pushes/s over {options.push_rounds} rounds of {options.pushes}")
        pushes = push_rates(sizes[0][0], options)
    return summarize(options, scenarios, pushes)


def _sizes(text: str) -> tuple[int, ...]:
    sizes = tuple(int(part) for part in text.split(",") if part.strip())
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive sizes")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Options()
    parser.add_argument("--stored", type=_sizes, default=defaults.stored)
    parser.add_argument("--due", type=int, default=defaults.due)
    parser.add_argument("--repeat", type=int, default=defaults.repeat)
    parser.add_argument("--per-citizen", type=int, default=defaults.per_citizen)
    parser.add_argument("--fill-processes", type=int, default=defaults.fill_processes)
    parser.add_argument("--fill-threads", type=int, default=defaults.fill_threads)
    parser.add_argument("--pushes", type=int, default=defaults.pushes)
    parser.add_argument("--push-rounds", type=int, default=defaults.push_rounds)
    parser.add_argument("--partition-workers", type=int, default=defaults.partition_workers)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    parser.add_argument("--floor-threads", type=int, default=defaults.floor_threads)
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_LOG_DIR)
    parser.add_argument("--json-out", type=Path)
    arguments = parser.parse_args(argv)
    positive = (
        "due",
        "repeat",
        "per_citizen",
        "fill_processes",
        "fill_threads",
        "pushes",
        "partition_workers",
        "concurrency",
        "floor_threads",
    )
    for name in (*positive, "push_rounds"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if arguments.due > min(arguments.stored):
        parser.error("--due must not exceed the smallest --stored size")
    options = Options(
        stored=arguments.stored,
        due=arguments.due,
        repeat=arguments.repeat,
        per_citizen=arguments.per_citizen,
        fill_processes=arguments.fill_processes,
        fill_threads=arguments.fill_threads,
        pushes=arguments.pushes,
        push_rounds=arguments.push_rounds,
        partition_workers=arguments.partition_workers,
        concurrency=arguments.concurrency,
        floor_threads=arguments.floor_threads,
    )
    summary = benchmark(options, arguments.log_dir)
    return report_result(
        summary, ok=summary["ok"], json_out=arguments.json_out, table=render_table(summary)
    )


if __name__ == "__main__":
    sys.exit(main())
