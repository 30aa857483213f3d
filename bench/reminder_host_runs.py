"""A reminder run through the offline host, as on Azure: ReminderTimer, fired by the host's
admin API, queues the schedule's partitions; ReminderPartition works them in the host's
worker processes. Timed with 1 worker process and with 2 (FUNCTIONS_WORKER_PROCESS_COUNT),
alternately, each round on a host started for it.

`--due` reminders fall due now (their messages processed 3 days ago, spread over the last
`DUE_SPREAD`), one per consenting citizen, on the app's own schedule. Before each round the
due set is restored (entries planned again; claims, daily counters and the messages'
reminder counts cleared; leases lifted: not timed). A round is timed from the admin call to
the last of the due pushes on a push queue of the benchmark's own, and must push each due
reminder exactly once. Every queue and timer function but ReminderTimer and
ReminderPartition is disabled, so nothing else competes.

    .venv/bin/python -m bench.reminder_host_runs [--due 1000] [--repeat 3]
        [--processes 1,2] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from azure.cosmos import ContainerProxy, exceptions

from bench.bare_sdk import bare_queue
from bench.output import report_result
from bench.pipeline_stack import (
    BenchStack,
    delete_queue,
    fresh_queue,
    new_fiscal_code,
    own_stack,
    register_sender,
)
from bench.reminder_scenario import app_database
from infra.local.emulators import PROJECT_ROOT, free_port
from infra.local.host_process import admin_headers, host_command, stop_host, wait_for_host
from shared.adapters.push_queue import push_from_json
from shared.bootstrap import App, build_app
from shared.config import SettingName, reminder_policy
from shared.domain.citizen_hash import citizen_hash
from shared.domain.message import FeatureLevel, Message, MessageContent
from shared.domain.message_id import new_message_id
from shared.domain.profile import Profile, ReminderConsent
from shared.domain.reminders import ReminderPolicy
from shared.services.send_reminders import ReminderPlanner
from shared.storage_layout import ContainerName, QueueName

DEFAULT_LOG_DIR = PROJECT_ROOT / ".local" / "logs" / "bench-reminder-host"
FUNCTIONS = ("ReminderTimer", "ReminderPartition")
DUE_SPREAD = timedelta(minutes=20)
PROCESS_COUNT = "FUNCTIONS_WORKER_PROCESS_COUNT"
ROUND_TIMEOUT_SECONDS = 600.0
_SLOT = "UNREAD:1"


@dataclass(frozen=True)
class HostOptions:
    due: int = 1000
    repeat: int = 3
    processes: tuple[int, ...] = (1, 2)
    fill_threads: int = 8


def progress(text: str) -> None:
    print(f"[bench.reminder_host_runs] {text}", file=sys.stderr, flush=True)


def _only_reminders(stack: BenchStack, push_queue: str, processes: int) -> dict[str, str]:
    """The host's settings: only the reminder functions enabled, pushes to `push_queue`, no
    quiet hours, the timer fired by hand only."""
    disabled = {}
    for config in sorted(PROJECT_ROOT.glob("*/function.json")):
        bindings = json.loads(config.read_text(encoding="utf-8"))["bindings"]
        trigger = next(b["type"] for b in bindings if b.get("direction") == "in")
        if trigger != "httpTrigger" and config.parent.name not in FUNCTIONS:
            disabled[f"AzureWebJobs.{config.parent.name}.Disabled"] = "true"
    return {
        **stack.app_settings,
        **disabled,
        SettingName.PUSH_QUEUE.value: push_queue,
        SettingName.REMINDER_SCHEDULE.value: "0 0 0 1 1 *",
        SettingName.REMINDER_QUIET_HOURS.value: "00:00-00:00",
        PROCESS_COUNT: str(processes),
    }


@contextlib.contextmanager
def _host(settings: dict[str, str], log: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The offline host on a free port: its URL and the admin API's headers."""
    port = free_port()
    env = {**os.environ, **settings}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            host_command(port, use_func=False),
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_for_host(process, port, environ=env)
        yield f"http://127.0.0.1:{port}", admin_headers(env)
    finally:
        stop_host(process)


@dataclass
class _Due:
    app: App
    policy: ReminderPolicy
    hash_key: str
    messages: list[Message]
    counters: ContainerProxy


def _fill(stack: BenchStack, options: HostOptions) -> _Due:
    app = build_app(stack.settings)
    service_id = register_sender(stack).service_id
    policy = reminder_policy({})
    planner = ReminderPlanner(schedule=app.schedule, policy=policy)
    now = datetime.now().astimezone()

    def one(index: int) -> Message:
        fiscal_code = new_fiscal_code()
        app.profiles.save(Profile(fiscal_code=fiscal_code, reminders=ReminderConsent.ENABLED))
        processed_at = now - timedelta(days=3) - DUE_SPREAD * (index + 1) / options.due
        accepted = Message.accepted(
            id=new_message_id(processed_at),
            fiscal_code=fiscal_code,
            sender_service_id=service_id,
            now=processed_at,
            time_to_live=3600,
            content=MessageContent(subject="Benchmark reminder", markdown="x" * 80),
            feature_level_type=FeatureLevel.ADVANCED,
        )
        message = app.messages.add(accepted.processed(processed_at))
        planner.plan(message)
        return message

    with ThreadPoolExecutor(options.fill_threads) as pool:
        messages = list(pool.map(one, range(options.due)))
    return _Due(
        app=app,
        policy=policy,
        hash_key=stack.settings.citizen_hash_key,
        messages=messages,
        counters=app_database(stack.settings).get_container_client(ContainerName.RATE_LIMITS),
    )


def _restore(due: _Due, threads: int) -> None:
    """The due set due again: entries planned, claims, counters and counts cleared, leases
    lifted."""
    app = due.app
    counters = due.counters
    day = due.policy.local_day(datetime.now().astimezone())
    planner = ReminderPlanner(schedule=app.schedule, policy=due.policy)

    def restore(message: Message) -> None:
        app.claims.forget(message.id, [_SLOT])
        counter = f"reminder-pushes:{citizen_hash(message.fiscal_code, due.hash_key)}:{day}"
        with contextlib.suppress(exceptions.CosmosResourceNotFoundError):
            counters.delete_item(counter, partition_key=counter)
        stored = app.messages.get(message.fiscal_code, message.id)
        if stored is not None and stored.reminded:
            app.messages.replace(stored.model_copy(update={"reminded": ()}))
        planner.plan(message)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(restore, due.messages))
    for bucket in app.schedule.open_buckets(datetime.now().astimezone()):
        app.schedule.finish(bucket.bucket, hour_over=False)


def _length(stack: BenchStack, queue: str) -> int:
    client = bare_queue(stack.settings, queue)
    return client.get_queue_properties().approximate_message_count or 0


def _done(stack: BenchStack, push_queue: str, due: int) -> bool:
    """Every due push is out and every partition's work item done (deleted)."""
    return _length(stack, push_queue) >= due and not _length(stack, QueueName.REMINDER_PARTITIONS)


def _drain(stack: BenchStack, push_queue: str) -> Counter[str]:
    """Take every push off the queue: how many times each message was pushed."""
    client = bare_queue(stack.settings, push_queue)
    pushed: Counter[str] = Counter()
    while True:
        batch = list(client.receive_messages(max_messages=32, visibility_timeout=60))
        if not batch:
            return pushed
        for received in batch:
            pushed[push_from_json(received.content).message_id] += 1
            client.delete_message(received)


def _one_round(
    stack: BenchStack, due: _Due, processes: int, log: Path, failures: list[str]
) -> dict[str, Any]:
    push_queue = fresh_queue(stack, "bench-remind-push")
    try:
        with _host(_only_reminders(stack, push_queue, processes), log) as (url, headers):
            _restore(due, threads=8)
            started = time.perf_counter()
            response = requests.post(
                f"{url}/admin/functions/ReminderTimer", json={}, headers=headers, timeout=10
            )
            response.raise_for_status()
            deadline = started + ROUND_TIMEOUT_SECONDS
            while not _done(stack, push_queue, len(due.messages)):
                if time.perf_counter() > deadline:
                    failures.append(f"{processes} processes: not every push within the time")
                    break
                time.sleep(0.05)
            seconds = time.perf_counter() - started
            time.sleep(1.0)  # anything pushed twice would be on the queue by now
        pushed = _drain(stack, push_queue)
    finally:
        delete_queue(stack, push_queue)
    expected = Counter({message.id: 1 for message in due.messages})
    # A shared stack (the test session's) may hold other reminders due: sent too, not ours.
    others = sum(count for message_id, count in pushed.items() if message_id not in expected)
    pushed = Counter({message_id: pushed[message_id] for message_id in expected & pushed})
    if pushed != expected:
        failures.append(
            f"{processes} processes: {sum(pushed.values())} pushes for {len(expected)} due "
            f"({len(expected - pushed)} missing, {sum((pushed - expected).values())} extra)"
        )
    partitions = log.read_text(encoding="utf-8", errors="replace").count(
        "Executed 'Functions.ReminderPartition' (Succeeded"
    )
    return {
        "seconds": round(seconds, 3),
        "reminders_per_s": round(len(due.messages) / seconds, 1),
        "partitions_worked": partitions,
        "other_pushes": others,
    }


def benchmark_on(stack: BenchStack, options: HostOptions, log_dir: Path) -> dict[str, Any]:
    progress(f"filling {options.due} due reminders")
    due = _fill(stack, options)
    failures: list[str] = []
    rounds: dict[int, list[dict[str, Any]]] = {count: [] for count in options.processes}
    # A warm-up round of each, then the measured ones, alternately.
    for index in range(options.repeat + 1):
        for count in options.processes:
            log = log_dir / f"host-{count}-processes-{index}.log"
            result = _one_round(stack, due, count, log, failures)
            label = "warm-up" if index == 0 else f"round {index}"
            progress(f"{count} worker processes, {label}: {result['seconds']} s")
            if index:
                rounds[count].append(result)
    medians = {
        count: round(statistics.median(run["seconds"] for run in runs), 3)
        for count, runs in rounds.items()
    }
    first, *others = options.processes
    speedups = {
        f"{count}_to_{first}": round(medians[first] / medians[count], 3) for count in others
    }
    faster = all(medians[count] < medians[first] for count in others)
    return {
        "benchmark": "reminder_host_runs",
        "options": {**asdict(options), "processes": list(options.processes)},
        "shards": stack.settings.reminder_shards,
        "partition_concurrency": stack.settings.reminder_partition_concurrency,
        "median_seconds_by_processes": {str(count): medians[count] for count in medians},
        "reminders_per_s_by_processes": {
            str(count): round(options.due / medians[count], 1) for count in medians
        },
        "speedup": speedups,
        "more_processes_faster": faster,
        "rounds": {str(count): runs for count, runs in rounds.items()},
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "failures": failures,
        "ok": faster and not failures,
    }


def render_table(summary: dict[str, Any]) -> str:
    lines = [f"{'processes':>9} {'median s':>9} {'reminders/s':>12} {'rounds s':>24} {'parts':>6}"]
    for count, runs in summary["rounds"].items():
        each = ", ".join(f"{run['seconds']:.2f}" for run in runs)
        lines.append(
            f"{count:>9} {summary['median_seconds_by_processes'][count]:>9} "
            f"{summary['reminders_per_s_by_processes'][count]:>12} {each:>24} "
            f"{runs[-1]['partitions_worked']:>6}"
        )
    lines.append(f"speed-up: {summary['speedup']}; faster: {summary['more_processes_faster']}")
    if summary["failures"]:
        lines.append("FAILURES: " + "; ".join(summary["failures"]))
    return "\n".join(lines)


def _counts(text: str) -> tuple[int, ...]:
    counts = tuple(int(part) for part in text.split(",") if part.strip())
    if len(counts) < 2 or min(counts) < 1 or max(counts) > 10:
        raise argparse.ArgumentTypeError("at least two process counts from 1 to 10")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = HostOptions()
    parser.add_argument("--due", type=int, default=defaults.due)
    parser.add_argument("--repeat", type=int, default=defaults.repeat)
    parser.add_argument("--processes", type=_counts, default=defaults.processes)
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_LOG_DIR)
    parser.add_argument("--json-out", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.due < 1 or arguments.repeat < 1:
        parser.error("--due and --repeat must be at least 1")
    options = replace(
        defaults, due=arguments.due, repeat=arguments.repeat, processes=arguments.processes
    )
    with own_stack(arguments.log_dir / "emulators") as stack:
        summary = benchmark_on(stack, options, arguments.log_dir)
    return report_result(
        summary, ok=summary["ok"], json_out=arguments.json_out, table=render_table(summary)
    )


if __name__ == "__main__":
    sys.exit(main())
