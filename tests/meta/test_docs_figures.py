"""The benchmark figures in README.md and docs/scaling.md are what bench/docs_figures.py
writes from the latest committed report, so the two documents never drift from the
measurements or from each other."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bench.docs_figures import (
    DOCUMENTS,
    FiguresError,
    block_names,
    blocks,
    fill,
    latest_report,
    measured,
    update,
    with_fallbacks,
    workers_in_words,
)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    loaded: dict[str, Any] = with_fallbacks(json.loads(latest_report().read_text(encoding="utf-8")))
    return loaded


def test_the_docs_blocks_match_the_latest_report(report):
    # GIVEN the latest full report, WHEN the generator fills the docs' blocks from it
    stale = update(DOCUMENTS, blocks(measured(report)), write=False)
    # THEN no document would change
    assert stale == [], "run `.venv/bin/python -m bench.docs_figures` and commit the docs"


def test_every_figure_is_quoted_and_the_shared_ones_in_both_documents(report):
    used = {path.name: set(block_names(path.read_text(encoding="utf-8"))) for path in DOCUMENTS}
    assert set.union(*used.values()) == set(blocks(measured(report)))
    # The two figures the README and scaling.md once disagreed on come from one block each.
    for name in ("host-cpu", "reminder-documents", "reminder-ms"):
        assert all(name in names for names in used.values()), name


def test_the_figures_follow_the_report(report):
    # GIVEN a report whose pipeline spent more host CPU and whose reminder runs read more
    changed = copy.deepcopy(report)
    pipeline = changed["benchmarks"]["pipeline"]["result"]["pipeline"]
    pipeline["cpu_ms_per_message"]["posts_to_all_decided"]["host"] = 125.04
    for scenario in changed["benchmarks"]["reminders"]["result"]["scenarios"]:
        for run in scenario["runs"]:
            run["documents_read_by_container"]["services"] = 50
    # WHEN its blocks are written
    before, texts = blocks(measured(report)), blocks(measured(changed))
    # THEN they say so, and the derived processing time and cost follow
    accept = round(measured(report).accept_cpu_ms, 1)
    process = round(125.0 - accept, 1)
    assert "125.0 ms per message accepted and processed" in texts["host-cpu"]
    assert f"{accept} = {process} ms` for processing" in texts["scale-out-cpu"]
    assert f"({process} ms)" in texts["scale-out-table"]
    assert texts["basic-cost-cpu"] != before["basic-cost-cpu"]
    assert "50 reads of the service)" in texts["reminder-documents"]
    assert texts["reminder-run-reads"] != before["reminder-run-reads"]


def test_fill_replaces_only_the_text_between_the_markers():
    text = (
        "before <!-- bench:begin a -->old<!-- bench:end --> middle\n"
        "<!-- bench:begin b -->\nold table\n<!-- bench:end -->\nafter\n"
    )
    filled = fill(text, {"a": "new", "b": "| x |\n|---|"})
    assert filled == (
        "before <!-- bench:begin a -->new<!-- bench:end --> middle\n"
        "<!-- bench:begin b -->\n\n| x |\n|---|\n\n<!-- bench:end -->\nafter\n"
    )
    assert fill(filled, {"a": "new", "b": "| x |\n|---|"}) == filled  # idempotent


def test_a_block_of_an_unknown_name_is_an_error():
    with pytest.raises(FiguresError, match="no figure named 'nope'"):
        fill("<!-- bench:begin nope -->x<!-- bench:end -->", {}, where="doc.md")


def test_the_latest_report_is_the_newest_full_one(tmp_path: Path):
    for name in ("2026-01-02.json", "2026-03-01.json", "2026-04-01-quick.json"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "2026-05-01-partial.json").write_text("{}")
    (tmp_path / "document_sizes-2026-06-01.json").write_text("{}")
    assert latest_report(tmp_path) == tmp_path / "2026-03-01.json"


def test_a_report_missing_a_benchmark_is_refused(report):
    broken = copy.deepcopy(report)
    broken["benchmarks"]["reminders"] = {"ok": False, "error": "Traceback ..."}
    with pytest.raises(FiguresError, match="no result for reminders"):
        measured(broken)


def _write(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report), encoding="utf-8")


def test_a_benchmark_that_raised_takes_its_figures_from_that_days_partial_run_first(
    tmp_path: Path,
):
    # GIVEN a full report whose dispatch_rates raised, a partial re-run of it the same day,
    # and an older full report that has it too
    raised = {"ok": False, "error": "Traceback ..."}
    _write(
        tmp_path / "2026-01-01.json",
        {
            "date": "2026-01-01",
            "benchmarks": {
                "dispatch_rates": {"result": {"from": "older"}},
                "reminders": {"result": {"from": "older"}},
            },
        },
    )
    _write(
        tmp_path / "2026-02-01-partial.json",
        {
            "date": "2026-02-01",
            "benchmarks": {
                "dispatch_rates": {"result": {"from": "partial"}},
            },
        },
    )
    full = {
        "date": "2026-02-01",
        "benchmarks": {
            "dispatch_rates": raised,
            "reminders": raised,
            "pipeline": {"result": {"from": "full"}},
        },
    }
    _write(tmp_path / "2026-02-01.json", full)
    # WHEN the figures are filled in
    filled = with_fallbacks(full, tmp_path)
    # THEN the partial run's result comes first, the older report's next, and each is named
    assert filled["benchmarks"]["dispatch_rates"]["result"] == {"from": "partial"}
    assert filled["benchmarks"]["reminders"]["result"] == {"from": "older"}
    assert filled["benchmarks"]["pipeline"]["result"] == {"from": "full"}
    assert filled["borrowed"] == {
        "dispatch_rates": "2026-02-01-partial.json",
        "reminders": "2026-01-01.json",
    }


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"worker_processes": 2, "worker_threads": 4}, "2 worker processes of 4 threads"),
        (
            {"worker_processes": None, "worker_threads": None},
            "1 worker process of the default threads",
        ),
    ],
)
def test_the_hosts_worker_settings_are_named_in_words(options, words):
    assert workers_in_words(options) == words


def test_the_stricter_reading_names_its_floor_and_follows_the_report(report):
    # GIVEN a report whose run against a floor of 3 processes reached 0.5 of it
    changed = copy.deepcopy(report)
    section = changed["benchmarks"]["pipeline_accept_only_floor_processes"]
    section["options"]["floor_processes"] = 3
    section["ratios"]["accepted_to_floor"] = 0.5
    # WHEN its block is written
    text = blocks(measured(changed))["pipeline-accept-only-floor-processes"]
    # THEN it gives the ratio and names the floor's processes
    assert text.startswith("**0.50 of a floor of 3 processes**")
