"""The reminder benchmark's summary: every scenario's figures, the ratios of the largest
size to the smallest, whether the target is met; and the short table of it."""

from __future__ import annotations

import os
import statistics
import sys
from typing import Any

from bench.reminder_scenario import RUN_AT, Options

TARGET_TIME_RATIO = 1.5
# A fanned-out run at least this fraction of the speed of its own calls made with the bare
# SDK from 16 threads (issue 17).
TARGET_TO_FLOOR = 0.7


def summarize(
    options: Options, scenarios: list[dict[str, Any]], pushes: dict[str, Any]
) -> dict[str, Any]:
    """The figures of every scenario, the ratios largest / smallest, and whether all is ok."""
    first, last = scenarios[0], scenarios[-1]
    time_ratio = round(last["run_median_seconds"] / first["run_median_seconds"], 3)
    reads_ratio = round(last["documents_read_per_run"] / first["documents_read_per_run"], 3)
    failures = [failure for scenario in scenarios for failure in scenario["failures"]]
    to_floor = statistics.median(
        run["to_floor"] for scenario in scenarios for run in scenario["runs"]
    )
    met = time_ratio <= TARGET_TIME_RATIO
    floor_met = to_floor >= TARGET_TO_FLOOR
    return {
        "benchmark": "reminders",
        "stored": list(options.stored),
        "due": options.due,
        "repeat": options.repeat,
        "per_citizen": options.per_citizen,
        "run_at": RUN_AT.isoformat(),
        "scenarios": scenarios,
        "ratios": {
            "sizes": f"{last['stored']}/{first['stored']}",
            "run_time": time_ratio,
            "documents_read": reads_ratio,
        },
        "partition_workers": options.partition_workers,
        "partition_concurrency": options.concurrency,
        "floor_threads": options.floor_threads,
        "to_floor": round(to_floor, 3),
        "target": {
            "run_time_ratio_at_most": TARGET_TIME_RATIO,
            "met": met,
            "to_floor_at_least": TARGET_TO_FLOOR,
            "to_floor_met": floor_met,
        },
        "push_queue": pushes,
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "failures": failures,
        "ok": met and floor_met and not failures,
    }


def render_table(summary: dict[str, Any]) -> str:
    lines = [
        f"{'stored':>8} {'fill s':>7} {'msg/s':>7} {'run s (median)':>15} "
        f"{'runs s':>22} {'floor s':>8} {'to floor':>8} {'parts':>5} {'docs read':>10} "
        f"{'by container':<40}"
    ]
    for scenario in summary["scenarios"]:
        runs = ", ".join(f"{run['seconds']:.2f}" for run in scenario["runs"])
        by_container = scenario["runs"][-1]["documents_read_by_container"]
        short = ", ".join(f"{name.split('-bench-')[0]} {n}" for name, n in by_container.items())
        lines.append(
            f"{scenario['stored']:>8} {scenario['fill']['seconds']:>7} "
            f"{scenario['fill']['messages_per_s']:>7} {scenario['run_median_seconds']:>15} "
            f"{runs:>22} {scenario['floor_median_seconds']:>8} {scenario['to_floor_median']:>8} "
            f"{scenario['partitions']:>5} {scenario['documents_read_per_run']:>10} {short:<40}"
        )
    ratios, pushes = summary["ratios"], summary["push_queue"]
    lines.append(
        f"ratio {ratios['sizes']}: run time {ratios['run_time']} "
        f"(target <= {TARGET_TIME_RATIO}: {'met' if summary['target']['met'] else 'MISSED'}), "
        f"documents read {ratios['documents_read']}"
    )
    lines.append(
        f"fanned out over {summary['partition_workers']} partition workers x "
        f"{summary['partition_concurrency']}: {summary['to_floor']} of the floor's speed "
        f"(its calls with the bare SDK from {summary['floor_threads']} threads; target >= "
        f"{TARGET_TO_FLOOR}: {'met' if summary['target']['to_floor_met'] else 'MISSED'})"
    )
    lines.append(
        f"pushes/s: QueuePushSender {pushes['adapter_per_s']}, bare SDK send_message "
        f"{pushes['bare_sdk_per_s']} (ratio {pushes['adapter_to_bare_sdk']})"
    )
    if summary["failures"]:
        lines.append("FAILURES: " + "; ".join(summary["failures"]))
    return "\n".join(lines)
