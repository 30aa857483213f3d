"""Every headline figure of a benchmark report against its goal, in one list: the goals of
the scale-and-speed work (acceptance, processing and the reminder run against their SDK
floors, the host's CPU, two worker processes against one) and the project's own bars for the
events dispatcher. A benchmark that did not run, or raised, leaves its figures unmeasured."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Goal:
    figure: str
    benchmark: str
    path: tuple[str, ...]  # where the figure is in the benchmark's section
    at_least: bool  # the figure must be at least the goal (else at most)
    goal: float


GOALS = (
    Goal(
        "accepted/s to its floor, accepting only",
        "pipeline_accept_only",
        ("ratios", "accepted_to_floor"),
        at_least=True,
        goal=0.85,
    ),
    Goal(
        "host CPU ms per accepted message, accepting only",
        "pipeline_accept_only",
        ("result", "pipeline", "cpu_ms_per_message", "posts", "host"),
        at_least=False,
        goal=5.5,
    ),
    Goal(
        "accepted/s to its floor, processing running",
        "pipeline",
        ("ratios", "accepted_to_floor"),
        at_least=True,
        goal=0.6,
    ),
    Goal(
        "processed/s to its floor, processing running",
        "pipeline",
        ("ratios", "processed_to_floor"),
        at_least=True,
        goal=0.6,
    ),
    Goal(
        "reminder run (1,000 due) to its floor",
        "reminders",
        ("ratios", "run_to_floor"),
        at_least=True,
        goal=0.7,
    ),
    Goal(
        "reminder run through the host, 2 worker processes to 1 (speed)",
        "reminder_host_runs",
        ("ratios", "run_speed_2_to_1"),
        at_least=True,
        goal=1.0,
    ),
    Goal(
        "dispatched events/s to its floor",
        "dispatch_rates",
        ("ratios", "events_per_s_to_floor"),
        at_least=True,
        goal=0.7,
    ),
    Goal(
        "a prompt service's median callback latency beside a 1 s receiver, to none",
        "dispatch_rates",
        ("ratios", "prompt_median_beside_slowest_receiver_to_none"),
        at_least=False,
        goal=2.0,
    ),
)


def _figure(section: Mapping[str, Any] | None, path: tuple[str, ...]) -> float | None:
    value: Any = section
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return float(value) if isinstance(value, int | float) else None


def goals_of(sections: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each goal with the report's figure (None when not measured) and whether it is met;
    a figure of a run that reported failures (say, messages left unprocessed) is `clean`
    False, and counts neither as met nor as missed."""
    rows = []
    for goal in GOALS:
        section = sections.get(goal.benchmark)
        value = _figure(section, goal.path)
        result = section.get("result") if isinstance(section, Mapping) else None
        clean = not (isinstance(result, Mapping) and result.get("failures"))
        compare: Callable[[float, float], bool] = operator.ge if goal.at_least else operator.le
        rows.append(
            {
                "figure": goal.figure,
                "benchmark": goal.benchmark,
                "value": value,
                "goal": f"{'at least' if goal.at_least else 'at most'} {goal.goal:g}",
                "clean": clean,
                "met": None if value is None or not clean else compare(value, goal.goal),
            }
        )
    return rows


def goal_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One line a goal: its figure, the value measured, the goal, met or not."""
    lines = []
    for row in rows:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[row["met"]]
        if row["value"] is not None and not row.get("clean", True):
            verdict = "not a clean run (see its failures)"
        value = "-" if row["value"] is None else f"{row['value']:g}"
        lines.append(f"  {row['figure']}: {value} ({row['goal']}): {verdict}")
    return lines
