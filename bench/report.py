"""One benchmark report: every benchmark run in turn, one JSON document and one chart.

Runs create_message_cpu, attachment_memory, document_sizes, azurite_queue_cost (what a
queue call costs the local Azurite as other queues fill), the pipeline accepting only,
the whole pipeline, the events dispatcher (dispatch_rates), a reminder run through the
host with 1 and 2 worker processes (reminder_host_runs), and reminders (the slowest, last),
each on emulators of its own as its own command would, and writes:

- `<out-dir>/<YYYY-MM-DD>.json`: the machine (CPUs, Python, platform, git commit), and per
  benchmark its options, its seconds, whether it met its bar, its headline ratios and its
  whole result (what `python -m bench.<name>` prints);
- `<out-dir>/<YYYY-MM-DD>.png`: throughput against the SDK floors, times and latencies
  (bench.report_chart).

A benchmark is `ok` when it ran cleanly and met its own bar: the pipelines without a lost or
failed message, dispatch at least 0.7 of its floor and a slow callback receiver holding
other services' events up at most 2x (their median latency), CreateMessage's CPU under its
target, a reminder run at most 1.5x slower for 10x the stored messages and at least 0.7 of
its floor, the attachments' memory under its target, a reminder run through the host faster
with 2 worker processes than 1. The report's `goals` lists every headline figure against
its goal (bench.report_goals), acceptance's and processing's included.

`--quick` runs tiny sizes (some 30 seconds in all: for the smoke test and for developers; its
files are named `<date>-quick`); `--only` runs some of the benchmarks (files `<date>-partial`).
A benchmark that raises is reported (its traceback in its section) and the others still run.

    .venv/bin/python -m bench.report [--quick] [--only NAME,...] [--out-dir bench/results]
        [--log-dir DIR]
    .venv/bin/python -m bench.report --redraw bench/results/<date>.json

Exit code 0 if every benchmark ran and met its bar, else 1 (the files are written anyway).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import (
    attachment_memory,
    azurite_queue_cost,
    create_message_cpu,
    dispatch_rates,
    document_sizes,
    pipeline,
    reminder_host_runs,
    reminders,
)
from bench.pipeline_stack import BenchStack, StackFactory, own_stacks
from bench.reminder_host_runs import HostOptions
from bench.reminder_scenario import Options as ReminderOptions
from bench.report_chart import draw_chart
from bench.report_goals import goal_lines, goals_of
from infra.local.emulators import PROJECT_ROOT
from shared import bootstrap
from shared.domain.attachments import MAX_ATTACHMENT_BYTES

DEFAULT_OUT_DIR = PROJECT_ROOT / "bench" / "results"
DEFAULT_LOG_DIR = PROJECT_ROOT / ".local" / "logs" / "bench-report"
MIB = 1024 * 1024
# Cosmos DB's limit on one item (its JSON, UTF-8).
COSMOS_MAX_ITEM_BYTES = 2 * MIB


@dataclass(frozen=True)
class CpuOptions:
    requests: int = create_message_cpu.DEFAULT_REQUESTS
    warmup: int = create_message_cpu.DEFAULT_WARMUP


@dataclass(frozen=True)
class AttachmentOptions:
    repeat: int = 5
    attachment_bytes: int = MAX_ATTACHMENT_BYTES


@dataclass(frozen=True)
class DocumentOptions:
    entries: int = 200


@dataclass(frozen=True)
class AzuriteCostOptions:
    messages: int = azurite_queue_cost.DEFAULT_MESSAGES
    parked: tuple[int, ...] = azurite_queue_cost.PARKED


_ACCEPT_ONLY = pipeline.Options(repeat=3, accept_only=True, worker_processes=2, worker_threads=4)


def _against_floor_processes(accept_only: pipeline.Options) -> pipeline.Options:
    """The accepting-only run against a floor of a process per host worker process."""
    return replace(accept_only, floor_processes=accept_only.worker_processes or 1)


@dataclass(frozen=True)
class Plan:
    """The options of every benchmark in one report."""

    create_message_cpu: CpuOptions = field(default_factory=CpuOptions)
    attachment_memory: AttachmentOptions = field(default_factory=AttachmentOptions)
    document_sizes: DocumentOptions = field(default_factory=DocumentOptions)
    azurite_queue_cost: AzuriteCostOptions = field(default_factory=AzuriteCostOptions)
    # Accepting only: a worker process per core, each of few threads (docs/scaling.md §10:
    # acceptance is CPU in the SDKs' calls, and more threads in one process only contend
    # for its lock).
    pipeline_accept_only: pipeline.Options = field(default_factory=lambda: _ACCEPT_ONLY)
    # The same against a floor of as many processes as the host has worker processes: the
    # stricter reading, with the plain SDK given every core as well.
    pipeline_accept_only_floor_processes: pipeline.Options = field(
        default_factory=lambda: _against_floor_processes(_ACCEPT_ONLY)
    )
    # With processing: the settings found best for sharing instances (docs/scaling.md §7):
    # 2 worker processes of 12 threads, queue batches of 8.
    pipeline: pipeline.Options = field(
        default_factory=lambda: pipeline.Options(
            repeat=3, worker_processes=2, worker_threads=12, queue_batch_size=8
        )
    )
    dispatch_rates: dispatch_rates.Options = field(default_factory=dispatch_rates.Options)
    reminder_host_runs: HostOptions = field(default_factory=HostOptions)
    reminders: ReminderOptions = field(default_factory=ReminderOptions)


def full_plan() -> Plan:
    """The sizes the README's figures come from (each benchmark's own defaults)."""
    return Plan()


def quick_plan() -> Plan:
    """Tiny sizes: every code path and every figure, in about 30 seconds."""
    accept_only = pipeline.Options(
        messages=20,
        concurrency=4,
        warmup=5,
        accept_only=True,
        after_azurite_sweep=False,
        worker_processes=2,
        worker_threads=4,
    )
    return Plan(
        create_message_cpu=CpuOptions(requests=200, warmup=50),
        attachment_memory=AttachmentOptions(repeat=1, attachment_bytes=MIB),
        document_sizes=DocumentOptions(entries=5),
        azurite_queue_cost=AzuriteCostOptions(messages=100, parked=(0, 300)),
        pipeline_accept_only=accept_only,
        pipeline_accept_only_floor_processes=_against_floor_processes(accept_only),
        pipeline=pipeline.Options(
            messages=20,
            concurrency=4,
            warmup=5,
            after_azurite_sweep=False,
            worker_processes=2,
            worker_threads=12,
            queue_batch_size=8,
        ),
        reminder_host_runs=HostOptions(due=20, repeat=1),
        dispatch_rates=dispatch_rates.Options(
            events=20, repeat=1, warmup=4, citizens=4, latency_events=10, delays=(0.2,)
        ),
        reminders=ReminderOptions(
            stored=(120, 240),
            due=20,
            repeat=1,
            fill_processes=1,
            fill_threads=2,
            pushes=20,
            push_rounds=1,
        ),
    )


@dataclass(frozen=True)
class Where:
    """Where the benchmarks run: the stacks they are given, and where logs go."""

    stacks: StackFactory
    log_dir: Path


@contextlib.contextmanager
def _app_from_stack_environment() -> Iterator[None]:
    """For a benchmark that calls the app through bootstrap.app() after putting its stack's
    settings in os.environ: a fresh app, and the environment and app restored afterwards."""
    saved = dict(os.environ)
    bootstrap.app.cache_clear()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        bootstrap.app.cache_clear()


def _run_create_message_cpu(plan: Plan, where: Where) -> dict[str, Any]:
    options = plan.create_message_cpu
    return create_message_cpu.run(options.requests, warmup=options.warmup)


def _run_attachment_memory(plan: Plan, where: Where) -> dict[str, Any]:
    options = plan.attachment_memory
    with where.stacks("attachment-memory") as stack, _app_from_stack_environment():
        return attachment_memory.measure(stack, options.repeat, options.attachment_bytes)


def _run_document_sizes(plan: Plan, where: Where) -> dict[str, Any]:
    with where.stacks("document-sizes") as stack:
        return document_sizes.measure(stack, entries=plan.document_sizes.entries)


def _run_azurite_queue_cost(plan: Plan, where: Where) -> dict[str, Any]:
    options = plan.azurite_queue_cost
    with where.stacks("azurite-queue-cost") as stack:
        return azurite_queue_cost.measure(stack, options.messages, options.parked)


def _pipeline_runner(name: str) -> Callable[[Plan, Where], dict[str, Any]]:
    def run(plan: Plan, where: Where) -> dict[str, Any]:
        options: pipeline.Options = getattr(plan, name)
        log_dir = where.log_dir / name.replace("_", "-")
        with where.stacks(name.replace("_", "-")) as stack:
            return pipeline.benchmark_on(stack, options, log_dir=log_dir)

    return run


def _run_reminder_host_runs(plan: Plan, where: Where) -> dict[str, Any]:
    with where.stacks("reminder-host-runs") as stack:
        return reminder_host_runs.benchmark_on(
            stack, plan.reminder_host_runs, where.log_dir / "reminder-host-runs"
        )


def _host_run_ratios(result: dict[str, Any]) -> dict[str, Any]:
    return {f"run_speed_{name}": value for name, value in result["speedup"].items()}


def _run_dispatch_rates(plan: Plan, where: Where) -> dict[str, Any]:
    with where.stacks("dispatch-rates") as stack:
        return dispatch_rates.benchmark_on(
            stack, plan.dispatch_rates, log_dir=where.log_dir / "dispatch-rates"
        )


def _run_reminders(plan: Plan, where: Where) -> dict[str, Any]:
    def stacks(name: str) -> contextlib.AbstractContextManager[BenchStack]:
        return where.stacks(f"reminders-{name}")

    return reminders.benchmark(plan.reminders, stacks=stacks)


# Headline ratios of each result: against its floor, its target, or its other size.


def _cpu_ratios(result: dict[str, Any]) -> dict[str, Any]:
    target = result["target_median_us"]
    return {
        "median_to_target": round(result["without_idempotency_key"]["median_us"] / target, 3),
        "median_with_idempotency_key_to_target": round(
            result["with_idempotency_key"]["median_us"] / target, 3
        ),
    }


def _pipeline_ratios(result: dict[str, Any]) -> dict[str, Any]:
    ratios = {"accepted_to_floor": result["ratios"]["accepted"]}
    if not result["accept_only"]:
        ratios["processed_to_floor"] = result["ratios"]["processed"]
    return ratios


def _azurite_cost_ratios(result: dict[str, Any]) -> dict[str, Any]:
    return {"receive_and_delete_cpu_most_parked_to_none": result["most_parked_to_none"]}


def _attachment_ratios(result: dict[str, Any]) -> dict[str, Any]:
    timing = result["timing"]
    return {
        "store_put_to_bare_sdk_upload": timing["store_put_to_bare_sdk"],
        "naive_to_bare_sdk_upload": timing["naive_to_bare_sdk"],
        "store_peak_to_target": round(result["store"]["peak_mib"] / result["target_peak_mib"], 3),
        "store_peak_to_body": result["store"]["peak_to_body"],
        "request_peak_to_body": result["request"]["peak_to_body"],
    }


def _reminder_ratios(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_time_largest_to_smallest": result["ratios"]["run_time"],
        "run_to_floor": result["to_floor"],
        "documents_read_largest_to_smallest": result["ratios"]["documents_read"],
        "pushes_adapter_to_bare_sdk": result["push_queue"]["adapter_to_bare_sdk"],
    }


def _dispatch_ratios(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "events_per_s_to_floor": result["ratio_to_floor"],
        "prompt_median_beside_slowest_receiver_to_none": result["prompt_median_growth_worst"],
        "prompt_p99_beside_slowest_receiver_to_none": result["prompt_p99_growth_worst"],
    }


MESSAGE_SECTIONS = ("payment_message", "premium_message_2_attachments", "basic_message_rejected")


def _document_ratios(result: dict[str, Any]) -> dict[str, Any]:
    messages = [*result["basic_message_by_markdown_chars"].values()]
    messages += [result[name] for name in MESSAGE_SECTIONS]
    largest = max(sizes["decided"]["bytes"] for sizes in messages)
    typical = result["basic_message_by_markdown_chars"][str(document_sizes.TYPICAL_MARKDOWN)]
    return {
        "largest_message_to_2_mib_item_limit": round(largest / COSMOS_MAX_ITEM_BYTES, 5),
        "typical_message_decided_to_accepted": round(
            typical["decided"]["bytes"] / typical["accepted"]["bytes"], 3
        ),
    }


@dataclass(frozen=True)
class Benchmark:
    name: str
    run: Callable[[Plan, Where], dict[str, Any]]
    ratios: Callable[[dict[str, Any]], dict[str, Any]]
    # Whether the result met the benchmark's bar (its CLI's exit code).
    ok: Callable[[dict[str, Any]], bool]


BENCHMARKS = (
    Benchmark("create_message_cpu", _run_create_message_cpu, _cpu_ratios, lambda r: r["met"]),
    Benchmark(
        "attachment_memory",
        _run_attachment_memory,
        _attachment_ratios,
        lambda r: r["store"]["peak_mib"] < r["target_peak_mib"],
    ),
    Benchmark("document_sizes", _run_document_sizes, _document_ratios, lambda r: True),
    Benchmark(
        "azurite_queue_cost", _run_azurite_queue_cost, _azurite_cost_ratios, lambda r: r["ok"]
    ),
    Benchmark(
        "pipeline_accept_only",
        _pipeline_runner("pipeline_accept_only"),
        _pipeline_ratios,
        lambda r: r["ok"],
    ),
    Benchmark(
        "pipeline_accept_only_floor_processes",
        _pipeline_runner("pipeline_accept_only_floor_processes"),
        _pipeline_ratios,
        lambda r: r["ok"],
    ),
    Benchmark("pipeline", _pipeline_runner("pipeline"), _pipeline_ratios, lambda r: r["ok"]),
    Benchmark("dispatch_rates", _run_dispatch_rates, _dispatch_ratios, lambda r: r["ok"]),
    Benchmark("reminder_host_runs", _run_reminder_host_runs, _host_run_ratios, lambda r: r["ok"]),
    Benchmark("reminders", _run_reminders, _reminder_ratios, lambda r: r["ok"]),
)
NAMES = tuple(benchmark.name for benchmark in BENCHMARKS)


def _progress(text: str) -> None:
    print(f"[bench.report] {text}", file=sys.stderr, flush=True)


def _run_one(benchmark: Benchmark, plan: Plan, where: Where) -> dict[str, Any]:
    options = asdict(getattr(plan, benchmark.name))
    started = time.monotonic()
    try:
        result = benchmark.run(plan, where)
        section: dict[str, Any] = {
            "options": options,
            "ok": benchmark.ok(result),
            "ratios": benchmark.ratios(result),
            "result": result,
        }
    except Exception:  # one failed benchmark is reported; the others still run
        section = {"options": options, "ok": False, "error": traceback.format_exc()}
    section["seconds"] = round(time.monotonic() - started, 1)
    return section


def _git(*arguments: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - git found on PATH, fixed read-only arguments
            [git, "--no-optional-locks", *arguments],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or None


def _memory_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / MIB, 1)
    return None


def machine() -> dict[str, Any]:
    """What the figures were measured on, and from which commit."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_uncommitted_changes": None if status is None else bool(status),
    }


def run_report(
    plan: Plan,
    where: Where,
    out_dir: Path,
    *,
    names: tuple[str, ...] = NAMES,
    quick: bool = False,
    today: str | None = None,
) -> Path:
    """Run the benchmarks `names` with `plan`'s options, write the JSON document and the
    chart into `out_dir`; return the JSON document's path."""
    started_at = datetime.now().astimezone()
    date = today or started_at.date().isoformat()
    stem = date + ("-quick" if quick else "") + ("" if set(names) == set(NAMES) else "-partial")
    started = time.monotonic()
    sections: dict[str, Any] = {}
    for benchmark in BENCHMARKS:
        if benchmark.name in names:
            _progress(f"{benchmark.name}: running")
            sections[benchmark.name] = _run_one(benchmark, plan, where)
            verdict = "ok" if sections[benchmark.name]["ok"] else "FAILED or bar missed"
            _progress(f"{benchmark.name}: {verdict} in {sections[benchmark.name]['seconds']} s")
    failures = [name for name, section in sections.items() if not section["ok"]]
    report = {
        "report": "postino benchmarks",
        "date": date,
        "quick": quick,
        "started_at": started_at.isoformat(timespec="seconds"),
        "total_seconds": round(time.monotonic() - started, 1),
        "machine": machine(),
        "benchmarks": sections,
        "goals": goals_of(sections),
        "failures": failures,
        "ok": not failures,
        "chart": f"{stem}.png",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    draw_chart(report, out_dir / f"{stem}.png")
    return json_path


def headline(report: dict[str, Any]) -> str:
    """A few lines for people: each benchmark's ratios, or that it failed."""
    lines = [f"benchmarks of {report['date']} ({report['total_seconds']} s):"]
    for name, section in report["benchmarks"].items():
        if "error" in section:
            lines.append(f"  {name}: ERROR {section['error'].strip().splitlines()[-1]}")
            continue
        ratios = ", ".join(f"{key} {value}" for key, value in section["ratios"].items())
        mark = "" if section["ok"] else "  (bar NOT met)"
        lines.append(f"  {name} ({section['seconds']} s): {ratios}{mark}")
    lines.append("goals:")
    lines.extend(goal_lines(report.get("goals") or goals_of(report["benchmarks"])))
    return "\n".join(lines)


def _names(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(set(names) - set(NAMES))
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"a comma-separated list of {', '.join(NAMES)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (about 30 s)")
    parser.add_argument("--only", type=_names, default=NAMES, help=f"some of {', '.join(NAMES)}")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_LOG_DIR)
    parser.add_argument(
        "--redraw",
        type=Path,
        metavar="JSON",
        help="run nothing: draw the chart of this report again, beside it",
    )
    arguments = parser.parse_args(argv)
    if arguments.redraw:
        report = json.loads(arguments.redraw.read_text(encoding="utf-8"))
        draw_chart(report, arguments.redraw.with_suffix(".png"))
        print(arguments.redraw.with_suffix(".png"))
        return 0
    plan = quick_plan() if arguments.quick else full_plan()
    where = Where(stacks=own_stacks(arguments.log_dir), log_dir=arguments.log_dir)
    json_path = run_report(
        plan, where, arguments.out_dir, names=arguments.only, quick=arguments.quick
    )
    report = json.loads(json_path.read_text(encoding="utf-8"))
    print(headline(report), file=sys.stderr)
    print(json_path)
    print(json_path.with_suffix(".png"))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
