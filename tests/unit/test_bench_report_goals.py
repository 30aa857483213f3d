"""The report's goals: each headline figure against its goal, a run with failures counted
neither met nor missed, a benchmark that did not run not measured."""

from __future__ import annotations

from bench.report_goals import goal_lines, goals_of


def _row(rows: list[dict[str, object]], figure_start: str) -> dict[str, object]:
    return next(row for row in rows if str(row["figure"]).startswith(figure_start))


def test_figures_are_held_to_their_goals_both_ways() -> None:
    rows = goals_of(
        {
            "pipeline_accept_only": {
                "ratios": {"accepted_to_floor": 0.9},
                "result": {"pipeline": {"cpu_ms_per_message": {"posts": {"host": 6.0}}}},
            },
        }
    )
    assert _row(rows, "accepted/s to its floor, accepting")["met"] is True
    assert _row(rows, "host CPU")["met"] is False  # 6.0 > 5.5: at most
    assert _row(rows, "reminder run (1,000")["met"] is None  # not run


def test_a_run_that_reported_failures_is_neither_met_nor_missed() -> None:
    rows = goals_of(
        {
            "pipeline": {
                "ratios": {"accepted_to_floor": 0.9, "processed_to_floor": 0.1},
                "result": {"failures": ["12 of 2000 messages not PROCESSED within 120.0s"]},
            },
        }
    )
    processed = _row(rows, "processed/s")
    assert processed["value"] == 0.1
    assert processed["met"] is None
    assert processed["clean"] is False
    assert any("not a clean run" in line for line in goal_lines(rows))
