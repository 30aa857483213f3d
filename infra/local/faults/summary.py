"""What the clients saw during a fault run, phase by phase: answers and latencies."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from infra.local.faults.load import ProbeResult
from infra.local.faults.sender import OUTCOME_UNKNOWN, Attempt
from infra.local.faults.timeline import Phase, PhaseKind, phase_of

# The promises the run checks: a POST is answered within 5 s even during an outage, a GET
# of a stored message within 1 s.
POST_PROMISE_SECONDS = 5.0
GET_PROMISE_SECONDS = 1.0


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (0 < fraction <= 1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * fraction)) - 1]


@dataclass(frozen=True)
class Latency:
    p50: float | None
    p99: float | None
    max: float | None
    over_promise: int

    @classmethod
    def of(cls, seconds: Sequence[float], promise: float) -> Latency:
        return cls(
            p50=percentile(seconds, 0.5),
            p99=percentile(seconds, 0.99),
            max=max(seconds, default=None),
            over_promise=sum(1 for value in seconds if value > promise),
        )


def post_outcome(attempt: Attempt) -> str:
    """A short label of an attempt's answer: `201`, `503`, `503 unknown`, `ReadTimeout`..."""
    if attempt.status is None:
        return attempt.error or "error"
    if attempt.problem_type == OUTCOME_UNKNOWN:
        return f"{attempt.status} unknown"
    if attempt.replay:
        return f"{attempt.status} replay"
    return str(attempt.status)


def probe_outcome(probe: ProbeResult) -> str:
    if probe.status is None:
        return probe.error or "error"
    return str(probe.status)


@dataclass(frozen=True)
class PhaseStats:
    phase: PhaseKind
    posts: int
    post_answers: dict[str, int]
    post_latency: Latency
    gets: int
    get_answers: dict[str, int]
    get_latency: Latency

    def as_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase.value,
            "posts": self.posts,
            "post_answers": self.post_answers,
            "post_latency": self.post_latency.__dict__,
            "gets": self.gets,
            "get_answers": self.get_answers,
            "get_latency": self.get_latency.__dict__,
        }


def phase_stats(
    attempts: Iterable[Attempt], probes: Iterable[ProbeResult], phases: list[Phase]
) -> list[PhaseStats]:
    """One row per phase kind that saw any request, in the order of PhaseKind."""
    posts: dict[PhaseKind, list[Attempt]] = {kind: [] for kind in PhaseKind}
    gets: dict[PhaseKind, list[ProbeResult]] = {kind: [] for kind in PhaseKind}
    for attempt in attempts:
        posts[phase_of(attempt.started, attempt.started + attempt.seconds, phases)].append(attempt)
    for probe in probes:
        gets[phase_of(probe.started, probe.started + probe.seconds, phases)].append(probe)
    return [
        PhaseStats(
            phase=kind,
            posts=len(posts[kind]),
            post_answers=dict(Counter(post_outcome(a) for a in posts[kind]).most_common()),
            post_latency=Latency.of([a.seconds for a in posts[kind]], POST_PROMISE_SECONDS),
            gets=len(gets[kind]),
            get_answers=dict(Counter(probe_outcome(p) for p in gets[kind]).most_common()),
            get_latency=Latency.of([p.seconds for p in gets[kind]], GET_PROMISE_SECONDS),
        )
        for kind in PhaseKind
        if posts[kind] or gets[kind]
    ]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _answers(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}: {n}" for name, n in counts.items()) or "-"


def format_phase_table(rows: Sequence[PhaseStats]) -> str:
    """Markdown: per phase, POST attempts and GETs, their answers and latencies (s)."""
    header = (
        "| phase | POSTs | POST answers | p50 | p99 | max | > 5 s "
        "| GETs | GET answers | p50 | p99 | max | > 1 s |"
    )
    lines = [header, "|---|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"]
    for row in rows:
        post, get = row.post_latency, row.get_latency
        lines.append(
            f"| {row.phase} | {row.posts} | {_answers(row.post_answers)} | {_seconds(post.p50)} "
            f"| {_seconds(post.p99)} | {_seconds(post.max)} | {post.over_promise} "
            f"| {row.gets} | {_answers(row.get_answers)} | {_seconds(get.p50)} "
            f"| {_seconds(get.p99)} | {_seconds(get.max)} | {get.over_promise} |"
        )
    return "\n".join(lines)
