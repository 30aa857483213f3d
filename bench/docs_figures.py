"""The benchmark figures the README and docs/scaling.md quote, written from one report.

Each figure lives in the docs between two markers, inline or around lines of their own:

    <!-- bench:begin host-cpu -->7.8 ms of CPU per accepted message ...<!-- bench:end -->

This module fills every such block in README.md and docs/scaling.md from the latest full
report, `bench/results/<YYYY-MM-DD>.json` (quick and partial reports are left aside), so the
two documents cannot disagree with each other or with the measurements. `make bench` runs it
after the report; a test checks that the committed blocks are what it would write.

    .venv/bin/python -m bench.docs_figures [--report bench/results/<date>.json] [--check]

Exit code 0 when the blocks are (or, without `--check`, are now) up to date, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.emulators import PROJECT_ROOT

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
DOCUMENTS = (PROJECT_ROOT / "README.md", PROJECT_ROOT / "docs" / "scaling.md")
_FULL_REPORT = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_BLOCK = re.compile(
    r"(?P<begin><!-- bench:begin (?P<name>[a-z0-9-]+) -->)(?P<body>.*?)(?P<end><!-- bench:end -->)",
    re.DOTALL,
)

# docs/scaling.md's arithmetic: a reminder run's time budget (REMINDER_SCHEDULE, every 15
# minutes), the CPU share an instance is planned at, the peaks it sizes for, and the list
# prices and other lines of section 8's Basic total (its RU, queue and executions rows).
REMINDER_RUN_SECONDS = 15 * 60
PLANNED_CPU_SHARE = 0.7
PEAKS_PER_SECOND = (1_000, 5_000)
FLEX_GB_SECOND_USD = 0.000026
INSTANCE_MEMORY_GB = 2
BASIC_COST_OTHER_LINES_USD = (4.00, 0.47, 0.80)
TIMES, MINUS = "\N{MULTIPLICATION SIGN}", "\N{MINUS SIGN}"  # as the docs write arithmetic


class FiguresError(ValueError):
    """The report lacks a figure the docs quote (a benchmark failed, or its shape changed)."""


@dataclass(frozen=True)
class Measured:
    """What the docs take from one report."""

    accept_cpu_ms: float  # the host's CPU per accepted message, accepting only
    accept_and_process_cpu_ms: float  # per message, from the first POST to the last decision
    accepted_per_s_alone: float
    accepted_per_s_beside_processing: float
    accept_p50_ms: float
    reminders_due: int
    reminder_documents: Mapping[str, int]  # per run: messages, profiles, schedule, services
    reminder_ms: float  # a run's median time per reminder, averaged over the stored sizes
    # Issue 17's table: each against its floor measured in the same run.
    accepted_to_floor_alone: float
    accepted_to_floor_beside_processing: float
    processed_to_floor: float
    reminder_to_floor: float
    reminder_partitions: int
    reminder_host_seconds: Mapping[str, float]  # by worker processes
    reminder_host_due: int
    events_per_s: float
    events_floor_per_s: float
    events_to_floor: float
    prompt_median_ms: Mapping[float, float]  # by the other receiver's delay (s)
    # The README's list of the report's figures.
    report_date: str
    report_commit: str
    report_uncommitted: bool  # run on the commit with changes not yet committed
    report_minutes: float
    borrowed: Mapping[str, str]  # benchmark: the report file its figures come from
    cpu_us: Mapping[str, float]  # CreateMessage's own CPU: median, p99, with a key
    attachment: Mapping[str, float]
    accept_floor_cpu_ms: float  # the bare SDK's client CPU per message accepted
    # What went wrong in the run with processing (messages left undecided, events left
    # queued): its figures are then not a clean measurement, and the docs say so.
    processing_failures: tuple[str, ...]
    accept_floor_per_s: float
    pipeline_floor_per_s: tuple[float, float]  # accepted, processed
    processed_per_s: float
    reminder_medians: tuple[tuple[int, float], ...]  # (stored, median s)
    reminder_time_ratio: float
    accept_workers: str  # the host's worker settings accepting only, in words
    # The same run against a floor of several processes (the stricter reading).
    floor_processes: int
    accepted_per_s_beside_process_floor: float
    process_floor_per_s: float
    accepted_to_process_floor: float
    process_floor_cpu_ms: float  # the floor's processes' CPU per message accepted
    # With processing, per message from the first POST to the last decision, by process
    # (host, azurite, cosmos, client, total); and the floor's accept plus process, in all.
    processing_cpu_ms: Mapping[str, float]
    processing_floor_cpu_ms: float
    # Azurite's CPU per message received and deleted, by the messages parked in another
    # queue: (parked, ms).
    azurite_queue_cost: tuple[tuple[int, float], ...]


def latest_report(results_dir: Path = RESULTS_DIR) -> Path:
    """The newest full report in `results_dir`.

    Raises FiguresError when there is none.
    """
    reports = sorted(path for path in results_dir.glob("*.json") if _FULL_REPORT.match(path.name))
    if not reports:
        raise FiguresError(f"no full report (<YYYY-MM-DD>.json) in {results_dir}")
    return reports[-1]


def with_fallbacks(report: dict[str, Any], results_dir: Path = RESULTS_DIR) -> dict[str, Any]:
    """`report`, with each benchmark that has no result there (it raised) taken from a
    partial run of the same day that has one (`bench.report --only`, run after it), else
    from the newest older full report that has one; `borrowed` names them and the files."""
    date = str(report.get("date", ""))
    partial = results_dir / f"{date}-partial.json"
    older = sorted(
        (path for path in results_dir.glob("*.json") if _FULL_REPORT.match(path.name)),
        reverse=True,
    )
    candidates = ([partial] if partial.is_file() else []) + older
    filled = dict(report, benchmarks=dict(report.get("benchmarks", {})), borrowed={})
    for name, section in report.get("benchmarks", {}).items():
        if "result" in section:
            continue
        for path in candidates:
            previous = json.loads(path.read_text(encoding="utf-8"))
            found = previous.get("benchmarks", {}).get(name, {})
            if "result" in found:
                filled["benchmarks"][name] = found
                filled["borrowed"][name] = path.name
                break
    return filled


def _result(report: Mapping[str, Any], name: str) -> dict[str, Any]:
    section = report.get("benchmarks", {}).get(name)
    if section is None or "result" not in section:
        raise FiguresError(f"the report of {report.get('date')} has no result for {name}")
    result: dict[str, Any] = section["result"]
    return result


def workers_in_words(options: Mapping[str, Any]) -> str:
    """The host's worker settings of a pipeline run, in words."""
    processes = options.get("worker_processes") or 1
    threads = options.get("worker_threads")
    pool = f"{threads} threads" if threads else "the default threads"
    return f"{processes} worker process{'es' if processes > 1 else ''} of {pool}"


def _schedule_kind(container: str) -> str:
    # The benchmark gives each stack a schedule container of its own name.
    return "schedule" if container.startswith("reminder-schedule") else container


def measured(report: Mapping[str, Any]) -> Measured:
    """The figures of `report`.

    Raises FiguresError when one is missing.
    """
    try:
        alone = _result(report, "pipeline_accept_only")["pipeline"]
        both = _result(report, "pipeline")["pipeline"]
        reminders = _result(report, "reminders")
        scenarios = reminders["scenarios"]
        documents: dict[str, int] = {}
        for container, count in scenarios[0]["runs"][0]["documents_read_by_container"].items():
            kind = _schedule_kind(container)
            documents[kind] = documents.get(kind, 0) + int(count)
        medians = [scenario["run_median_seconds"] for scenario in scenarios]
        benchmarks = report["benchmarks"]
        host_runs = _result(report, "reminder_host_runs")
        dispatch = _result(report, "dispatch_rates")
        strict = _result(report, "pipeline_accept_only_floor_processes")
        return Measured(
            accept_cpu_ms=alone["cpu_ms_per_message"]["posts"]["host"],
            accept_and_process_cpu_ms=both["cpu_ms_per_message"]["posts_to_all_decided"]["host"],
            accepted_per_s_alone=alone["accepted_per_s"],
            accepted_per_s_beside_processing=both["accepted_per_s"],
            accept_p50_ms=alone["accept_p50_ms"],
            reminders_due=int(reminders["due"]),
            reminder_documents=documents,
            reminder_ms=sum(medians) / len(medians) / reminders["due"] * 1000,
            accepted_to_floor_alone=benchmarks["pipeline_accept_only"]["ratios"][
                "accepted_to_floor"
            ],
            accepted_to_floor_beside_processing=benchmarks["pipeline"]["ratios"][
                "accepted_to_floor"
            ],
            processed_to_floor=benchmarks["pipeline"]["ratios"]["processed_to_floor"],
            reminder_to_floor=reminders["to_floor"],
            reminder_partitions=int(scenarios[0]["partitions"]),
            reminder_host_seconds=host_runs["median_seconds_by_processes"],
            reminder_host_due=int(host_runs["options"]["due"]),
            events_per_s=dispatch["dispatch"]["events_per_s"],
            events_floor_per_s=dispatch["floor"]["events_per_s"],
            events_to_floor=dispatch["ratio_to_floor"],
            prompt_median_ms={
                float(run["receiver_delay_s"]): run["prompt_service"]["median_ms"]
                for run in dispatch["latency"]["runs"]
            },
            report_date=str(report["date"]),
            report_commit=str(report["machine"]["git_commit"])[:7],
            report_uncommitted=bool(report["machine"].get("git_uncommitted_changes")),
            report_minutes=float(report["total_seconds"]) / 60,
            borrowed=dict(report.get("borrowed", {})),
            cpu_us=_cpu_us(_result(report, "create_message_cpu")),
            attachment=_attachment(_result(report, "attachment_memory")),
            accept_floor_cpu_ms=_result(report, "pipeline_accept_only")["floor"][
                "cpu_ms_per_message"
            ]["accept"]["client"],
            processing_failures=tuple(_result(report, "pipeline").get("failures", ())),
            accept_floor_per_s=_result(report, "pipeline_accept_only")["floor"]["accepted_per_s"],
            pipeline_floor_per_s=(
                _result(report, "pipeline")["floor"]["accepted_per_s"],
                _result(report, "pipeline")["floor"]["processed_per_s"],
            ),
            processed_per_s=both["processed_per_s"],
            reminder_medians=tuple(
                (int(scenario["stored"]), float(scenario["run_median_seconds"]))
                for scenario in scenarios
            ),
            reminder_time_ratio=reminders["ratios"]["run_time"],
            accept_workers=workers_in_words(benchmarks["pipeline_accept_only"]["options"]),
            floor_processes=int(
                benchmarks["pipeline_accept_only_floor_processes"]["options"]["floor_processes"]
            ),
            accepted_per_s_beside_process_floor=strict["pipeline"]["accepted_per_s"],
            process_floor_per_s=strict["floor"]["accepted_per_s"],
            accepted_to_process_floor=benchmarks["pipeline_accept_only_floor_processes"]["ratios"][
                "accepted_to_floor"
            ],
            process_floor_cpu_ms=strict["floor"]["cpu_ms_per_message"]["accept"]["client"],
            processing_cpu_ms=both["cpu_ms_per_message"]["posts_to_all_decided"],
            processing_floor_cpu_ms=sum(
                phase["total"]
                for phase in _result(report, "pipeline")["floor"]["cpu_ms_per_message"].values()
            ),
            azurite_queue_cost=tuple(
                (int(row["parked_elsewhere"]), float(row["azurite_cpu_ms_per_message"]))
                for row in _result(report, "azurite_queue_cost")["rows"]
            ),
        )
    except (KeyError, IndexError, TypeError, ZeroDivisionError) as missing:
        raise FiguresError(f"the report lacks a figure the docs quote: {missing!r}") from None


def _cpu_us(result: Mapping[str, Any]) -> dict[str, float]:
    plain, keyed = result["without_idempotency_key"], result["with_idempotency_key"]
    return {
        "median": plain["median_us"],
        "p99": plain["p99_us"],
        "keyed_median": keyed["median_us"],
        "keyed_p99": keyed["p99_us"],
        "target": result["target_median_us"],
    }


def _attachment(result: Mapping[str, Any]) -> dict[str, float]:
    timing = result["timing"]
    return {
        "store_mib": result["store"]["peak_mib"],
        "store_to_body": result["store"]["peak_to_body"],
        "target_mib": result["target_peak_mib"],
        "naive_mib": result["naive"]["peak_mib"],
        "request_mib": result["request"]["peak_mib"],
        "request_to_body": result["request"]["peak_to_body"],
        "store_ms": timing["store_put_median_ms"],
        "bare_ms": timing["bare_sdk_upload_median_ms"],
        "store_to_bare": timing["store_put_to_bare_sdk"],
    }


def _report_blocks(figures: Measured) -> dict[str, str]:
    cpu, memory = figures.cpu_us, figures.attachment
    medians = figures.reminder_medians
    return {
        "report-date": f"{figures.report_date}, commit {figures.report_commit}"
        + (" and the changes committed with the report" if figures.report_uncommitted else "")
        + "".join(
            f"; `{name}` raised in it (see its section), and its figures are those of "
            f"`bench/results/{file}`"
            for name, file in sorted(figures.borrowed.items())
        ),
        "report-minutes": f"about {figures.report_minutes:.0f} minutes",
        "report-chart": f"![The benchmark report of {figures.report_date}: throughput "
        f"against the SDK floors, times and latencies](bench/results/{figures.report_date}.png)",
        "create-message-cpu": f"median **{cpu['median']:.0f} µs** per request (p99 "
        f"{cpu['p99']:.0f} µs), **{cpu['keyed_median']:.0f} µs** with an Idempotency-Key (p99 "
        f"{cpu['keyed_p99']:.0f} µs), against a target of {cpu['target']:.0f} µs",
        "attachment-memory": f"storing both attachments peaks at **{memory['store_mib']:.1f} "
        f"MiB** of new Python memory ({memory['store_to_body']:.2f} of the body; the target "
        f"is {memory['target_mib']:.0f} MiB), against {memory['naive_mib']:.1f} MiB for "
        f"decoding each file whole; CreateMessage's whole handling of the request peaks at "
        f"**{memory['request_mib']:.1f} MiB**, {memory['request_to_body']:.2f} times the "
        f"body. Storing takes {memory['store_to_bare']:.2f} times the bare SDK upload of the "
        f"same bytes ({memory['store_ms']:.0f} ms against {memory['bare_ms']:.0f} ms)",
        "pipeline-accept-only": f"**{figures.accepted_per_s_alone:.0f} accepted/s, "
        f"{figures.accepted_to_floor_alone:.2f} of the floor** "
        f"({figures.accept_floor_per_s:.0f}/s), p50 {figures.accept_p50_ms:.0f} ms, with "
        f"{figures.accept_workers}; the host and its workers spent "
        f"{figures.accept_cpu_ms:.1f} ms of CPU per accepted message, the floor's client "
        f"{figures.accept_floor_cpu_ms:.1f} ms",
        "pipeline-accept-only-floor-processes": f"**{figures.accepted_to_process_floor:.2f} "
        f"of a floor of {figures.floor_processes} processes** "
        f"({figures.accepted_per_s_beside_process_floor:.0f} accepted/s against "
        f"{figures.process_floor_per_s:.0f}/s, the floor's processes spending "
        f"{figures.process_floor_cpu_ms:.1f} ms of CPU per message)",
        "pipeline-with-processing": f"**{figures.accepted_per_s_beside_processing:.0f} "
        f"accepted/s and {figures.processed_per_s:.0f} processed/s, "
        f"{figures.accepted_to_floor_beside_processing:.2f} and "
        f"{figures.processed_to_floor:.2f} of the floor** "
        f"({figures.pipeline_floor_per_s[0]:.0f}/s and {figures.pipeline_floor_per_s[1]:.0f}/s)"
        f"{_unclean(figures)}",
        "pipeline-processing-cpu": f"the host and its workers "
        f"{figures.processing_cpu_ms['host']:.0f} ms, Azurite "
        f"{figures.processing_cpu_ms['azurite']:.0f} ms and Cosmos DB "
        f"{figures.processing_cpu_ms['cosmos']:.0f} ms of CPU per message from the first POST "
        f"to the last decision, against {figures.processing_floor_cpu_ms:.0f} ms for the "
        "floor's accept and process (its client and both emulators)",
        "azurite-queue-cost": _azurite_cost(figures.azurite_queue_cost),
        "reminder-runs": ", ".join(
            f"{seconds:.1f} s over {stored:,} stored" for stored, seconds in medians
        )
        + f": a ratio of {figures.reminder_time_ratio:.2f} (the bar: 1.5)",
    }


def _azurite_cost(rows: tuple[tuple[int, float], ...]) -> str:
    (_, alone), *beside = rows
    return (
        f"a receive and a delete took Azurite {alone:.1f} ms of CPU per message with no other "
        "queue message held, "
        + ", ".join(
            f"{ms:.1f} ms beside {parked:,} parked in another queue" for parked, ms in beside
        )
        + " (the latest report)"
    )


def _unclean(figures: Measured) -> str:
    """A warning for figures of a run with processing that reported failures (messages
    left undecided, events left queued, a POST not answered 201)."""
    count = len(figures.processing_failures)
    if not count:
        return ""
    return (
        f" (**not a clean measurement**: the run reported {count} "
        f"failure{'s' if count > 1 else ''}, such as messages still undecided when a round's "
        "wait ran out; see the report)"
    )


def _up(value: float) -> int:
    """`value` rounded up to a whole instance, ignoring float noise (39.000000001 is 39)."""
    return math.ceil(round(value, 6))


def _scale_out_table(accept_ms: float, process_ms: float) -> str:
    lines = [
        f"| peak | CreateMessage instances ({accept_ms:.1f} ms each) "
        f"| ProcessMessage instances ({process_ms:.1f} ms) "
        "| total at 100 % CPU | total at 70 % CPU |",
        "|---:|---:|---:|---:|---:|",
    ]
    for peak in PEAKS_PER_SECOND:
        create, process = peak * accept_ms / 1000, peak * process_ms / 1000
        at_full = _up(create) + _up(process)
        raw = create + process
        lines.append(
            f"| {peak:,} req/s "
            f"| `{peak:,} {TIMES} {accept_ms / 1000:.4f} = {create:.1f}` → {_up(create)} "
            f"| `{peak:,} {TIMES} {process_ms / 1000:.4f} = {process:.1f}` → {_up(process)} "
            f"| {at_full} "
            f"| `{raw:.1f} / {PLANNED_CPU_SHARE} = {raw / PLANNED_CPU_SHARE:.1f}` "
            f"→ {_up(raw / PLANNED_CPU_SHARE)} |"
        )
    return "\n".join(lines)


def _cpu_blocks(figures: Measured) -> dict[str, str]:
    accept = round(figures.accept_cpu_ms, 1)
    both = round(figures.accept_and_process_cpu_ms, 1)
    process = round(both - accept, 1)
    return {
        "host-cpu": f"{accept} ms of CPU per accepted message and {both} ms per message "
        "accepted and processed",
        "scale-out-cpu": f"the host spent **{accept} ms of CPU per accepted message** and "
        f"**{both} ms per message accepted and processed**, so about "
        f"`{both} {MINUS} {accept} = {process} ms` for processing",
        "scale-out-table": _scale_out_table(accept, process),
        "cpu-bound-instances": str(_up(PEAKS_PER_SECOND[-1] * accept / 1000)),
        "shared-process-rates": f"{figures.accepted_per_s_beside_processing:.0f} accepted/s "
        f"against {figures.accepted_per_s_alone:.0f} alone",
        "accept-p50": f"p50 {figures.accept_p50_ms:.0f} ms",
    }


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


def _reminder_blocks(figures: Measured) -> dict[str, str]:
    docs = figures.reminder_documents
    due = figures.reminders_due
    total = sum(docs.values())
    run_reads = total - docs.get("messages", 0) - docs.get("profiles", 0)
    reminder_ms = round(figures.reminder_ms)
    per_run = round(REMINDER_RUN_SECONDS * 1000 / reminder_ms, -3)
    return {
        "reminder-documents": f"{total:,} documents per {due:,} reminders "
        f"({docs.get('messages', 0):,} messages, {docs.get('profiles', 0):,} profiles, "
        f"{docs.get('schedule', 0)} documents of the reminder schedule: the open buckets "
        f"found by the timer's query and read by their partitions, and "
        f"{_count(docs.get('services', 0), 'read of the service', 'reads of the service')})",
        "reminder-ms": f"{reminder_ms} ms per reminder",
        "reminder-reads": f"{total:,} reads",
        "reminder-run-reads": f"{run_reads} reads per {due:,}",
        "reminder-budget": f"{reminder_ms} ms per reminder measured in one process here: "
        f"about {per_run:,.0f} in a {REMINDER_RUN_SECONDS // 60}-minute run",
    }


def _scale_blocks(figures: Measured) -> dict[str, str]:
    host = figures.reminder_host_seconds
    one, two = host["1"], host["2"]
    medians = figures.prompt_median_ms
    beside = ", ".join(
        f"{medians[delay]:.0f} ms beside a receiver {delay:g} s late"
        for delay in sorted(medians)
        if delay
    )
    return {
        "pipeline-to-floor": f"accepted {figures.accepted_to_floor_alone:.2f} of the floor "
        f"accepting only; with ProcessMessage running, accepted "
        f"{figures.accepted_to_floor_beside_processing:.2f} and processed "
        f"{figures.processed_to_floor:.2f}{_unclean(figures)}",
        "reminder-to-floor": f"{figures.reminder_to_floor:.2f} of the speed of its own calls "
        f"made with the bare SDK from 16 threads, over {figures.reminder_partitions} "
        "partitions",
        "reminder-host-processes": f"{figures.reminder_host_due:,} due: {one:.1f} s with one "
        f"worker process, {two:.1f} s with two ({one / two:.2f}{TIMES})",
        "dispatch-to-floor": f"{figures.events_per_s:.1f} events/s against a floor of "
        f"{figures.events_floor_per_s:.1f} ({figures.events_to_floor:.2f} of it)",
        "dispatch-latency": f"a prompt service's callbacks took a median {medians[0.0]:.0f} ms "
        f"with no slow receiver, {beside}",
    }


def _memory_time(seconds_per_item: float, digits: int) -> tuple[str, float]:
    """A million items' Flex Consumption memory time: its arithmetic, and its price."""
    gb_seconds = 1_000_000 * seconds_per_item * INSTANCE_MEMORY_GB
    usd = round(gb_seconds * FLEX_GB_SECOND_USD, 2)
    arithmetic = (
        f"1 M {TIMES} {seconds_per_item:.{digits}f} s {TIMES} {INSTANCE_MEMORY_GB} GB = "
        f"{gb_seconds:,.0f} GB-s {TIMES} ${FLEX_GB_SECOND_USD:.6f}"
    )
    return arithmetic, usd


def _cost_blocks(figures: Measured) -> dict[str, str]:
    basic, basic_usd = _memory_time(round(figures.accept_and_process_cpu_ms, 1) / 1000, 4)
    reminder_ms = round(figures.reminder_ms)
    reminder, reminder_usd = _memory_time(reminder_ms / 1000, 3)
    lines = (*BASIC_COST_OTHER_LINES_USD, basic_usd)
    return {
        "basic-cost-cpu": f"`{basic}` | ${basic_usd:.2f}",
        "basic-cost-total": f"`{' + '.join(f'{usd:.2f}' for usd in lines)}` "
        f"| **≈ ${sum(lines):.1f}**",
        "reminder-cost-cpu": f"{reminder_ms} ms measured per reminder, one process, "
        f"`{reminder}` | ${reminder_usd:.2f}",
    }


def blocks(figures: Measured) -> dict[str, str]:
    """The text of every block, by name."""
    return {
        **_cpu_blocks(figures),
        **_reminder_blocks(figures),
        **_cost_blocks(figures),
        **_scale_blocks(figures),
        **_report_blocks(figures),
    }


def fill(text: str, texts: Mapping[str, str], *, where: str = "the text") -> str:
    """`text` with every block's body replaced by its text: a one-line text stays inline, a
    longer one goes between the markers' own lines, with a blank line either side.

    Raises FiguresError on a block of an unknown name.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in texts:
            raise FiguresError(f"{where}: no figure named {name!r} (see bench/docs_figures.py)")
        body = texts[name]
        if "\n" in body:
            body = f"\n\n{body}\n\n"
        return f"{match.group('begin')}{body}{match.group('end')}"

    return _BLOCK.sub(replace, text)


def block_names(text: str) -> list[str]:
    """The names of the blocks in `text`, in order."""
    return [match.group("name") for match in _BLOCK.finditer(text)]


def update(documents: tuple[Path, ...], texts: Mapping[str, str], *, write: bool) -> list[Path]:
    """The documents whose blocks differ from `texts`; rewritten when `write`."""
    stale = []
    for path in documents:
        old = path.read_text(encoding="utf-8")
        new = fill(old, texts, where=str(path))
        if new != old:
            stale.append(path)
            if write:
                path.write_text(new, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--report", type=Path, help="default: the latest full report")
    parser.add_argument("--check", action="store_true", help="change nothing; 1 if stale")
    arguments = parser.parse_args(argv)
    try:
        report_path = arguments.report or latest_report()
        report = with_fallbacks(json.loads(report_path.read_text(encoding="utf-8")))
        texts = blocks(measured(report))
        stale = update(DOCUMENTS, texts, write=not arguments.check)
    except FiguresError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in stale:
        verb = "differs from" if arguments.check else "updated from"
        print(f"{path.relative_to(PROJECT_ROOT)} {verb} {report_path.name}", file=sys.stderr)
    return 1 if stale and arguments.check else 0


if __name__ == "__main__":
    sys.exit(main())
