"""The dispatch benchmark's summary: its ratio to the floor and its goals, from the rounds
and latency runs it measured (no emulators), and the chart panels that show them."""

from __future__ import annotations

from typing import Any

from bench.dispatch_calls import FLOOR_CALLS
from bench.dispatch_rates import Options, summarize
from bench.report_chart import draw_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _round(events_per_s: float, *, once: bool = True) -> dict[str, Any]:
    return {
        "events": 100,
        "events_per_s": events_per_s,
        "left_to_the_relay": 0,
        "nothing_lost_or_repeated": once,
    }


def _latency(*p99s: float) -> dict[str, Any]:
    runs = []
    for delay, p99 in zip((0.0, 0.2, 1.0), p99s, strict=False):
        runs.append(
            {
                "receiver_delay_s": delay,
                "prompt_service": {
                    "median_ms": p99 / 2,
                    "p99_ms": p99,
                    "median_to_no_slow_receiver": round(p99 / p99s[0], 2),
                    "p99_to_no_slow_receiver": round(p99 / p99s[0], 2),
                },
                "slow_service": {"median_ms": 50.0, "p99_ms": 80.0},
            }
        )
    return {"events_per_run": 10, "rate_per_s": 10.0, "runs": runs}


def _calls() -> dict[str, Any]:
    return {name: {"delivered": True, **calls} for name, calls in FLOOR_CALLS.items()}


def _summary(
    dispatched: list[dict[str, Any]], floors: list[dict[str, Any]], latency: dict[str, Any]
) -> dict[str, Any]:
    return summarize(
        Options(repeat=len(dispatched)),
        threads=6,
        calls=_calls(),
        warmups=[_round(10.0), _round(10.0)],
        dispatched=dispatched,
        floors=floors,
        latency=latency,
    )


def test_the_ratio_is_the_median_of_each_rounds_ratio_and_meets_the_goal_at_0_7():
    # GIVEN three rounds at 0.8, 0.6 and 0.75 of their floors, and a prompt p99 that grew 1.5x
    summary = _summary(
        [_round(80.0), _round(60.0), _round(75.0)],
        [_round(100.0), _round(100.0), _round(100.0)],
        _latency(100.0, 120.0, 150.0),
    )
    # THEN the ratio is the median round's, and both goals are met
    assert summary["ratio_to_floor"] == 0.75
    assert summary["goals"]["events_per_s_to_floor_met"] is True
    assert summary["prompt_p99_growth_worst"] == 1.5
    assert summary["goals"]["prompt_median_growth_met"] is True
    assert summary["floor_matches_counted_calls"] is True
    assert summary["ok"] is True


def test_a_slow_receiver_that_holds_up_the_others_misses_the_goal():
    # GIVEN the prompt service's p99 three times as long beside a 1 s receiver
    summary = _summary([_round(90.0)], [_round(100.0)], _latency(100.0, 120.0, 300.0))
    # THEN the isolation goal is missed, and with it the benchmark's bar
    assert summary["prompt_p99_growth_worst"] == 3.0
    assert summary["goals"]["prompt_median_growth_met"] is False
    assert summary["ok"] is False


def test_an_event_lost_or_delivered_twice_is_a_failure_whatever_the_rates():
    summary = _summary([_round(90.0, once=False)], [_round(100.0)], _latency(100.0, 110.0))
    assert summary["failures"] == ["host round 1: an event lost or delivered twice"]
    assert summary["ok"] is False


def test_the_chart_draws_the_dispatch_rates_and_the_slow_receiver_panel(tmp_path):
    # GIVEN a report holding only the dispatch benchmark's result
    result = _summary([_round(90.0)], [_round(100.0)], _latency(100.0, 120.0, 150.0))
    report = {
        "date": "2026-01-02",
        "quick": False,
        "machine": {"cpu_count": 2, "python": "3.13.0", "git_commit": "abc"},
        "benchmarks": {"dispatch_rates": {"ok": True, "result": result}},
    }
    # WHEN its chart is drawn, THEN it is a PNG
    png = tmp_path / "chart.png"
    draw_chart(report, png)
    assert png.read_bytes().startswith(PNG_SIGNATURE)
