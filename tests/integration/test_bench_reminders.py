"""The reminder benchmark, run small on the session's emulators, reports every figure the
full run reports, and each run it times sends exactly the due reminders, reading only them.

Both sizes share the session's stack here (each with a schedule, claims and push queue of
its own); the full run gives each size a stack of its own."""

from __future__ import annotations

import pytest

from bench.pipeline_stack import BenchStack
from bench.push_rates import push_rates
from bench.reminder_runs import run_scenarios
from bench.reminder_scenario import Options
from bench.reminder_summary import render_table, summarize
from shared.adapters.cosmos_reminder_schedule import DEFAULT_SHARDS

pytestmark = [pytest.mark.emulators, pytest.mark.bench]

DUE = 20
SIZES = (120, 240)


def test_a_small_run_sends_exactly_the_due_reminders_and_reports_every_figure(local_stack):
    # GIVEN the session's emulators, two sizes of stored messages with 20 reminders due
    stack = BenchStack(settings=local_stack.settings, app_settings=local_stack.app_settings)
    options = Options(
        stored=SIZES, due=DUE, repeat=1, fill_processes=1, fill_threads=2, pushes=20, push_rounds=1
    )

    # WHEN both are filled and run, and pushes are timed through the queue adapter
    scenarios = run_scenarios([(stack, stored) for stored in SIZES], options)
    summary = summarize(options, scenarios, push_rates(stack, options))

    # THEN every run (the warm-up too) pushed each due reminder once, and nothing else
    assert summary["failures"] == []
    for scenario in summary["scenarios"]:
        assert scenario["pushes_queued"] == DUE * 2
        [run] = scenario["runs"]
        assert run["sent_exactly_the_due"] is True
        assert run["report"] == {
            "looked_at": DUE,
            "sent": DUE,
            "by_kind": {"UNREAD": DUE},
            "deferred": 0,
            "skipped": 0,
            "failed": 0,
            "dropped": 0,
        }
        # AND it read one message and one profile per due reminder, and each partition's
        # bucket once (and the timer's one query found those buckets, no entry)
        reads = {
            name.split("-bench-")[0]: n for name, n in run["documents_read_by_container"].items()
        }
        assert reads["messages"] == DUE
        assert reads["profiles"] == DUE
        assert 0 < run["partitions"] <= DEFAULT_SHARDS
        assert reads["reminder-schedule"] == 2 * run["partitions"]  # query results + reads
        # (the service through the directory's cache: once, or by each thread that found it
        # empty at the same moment)
        assert 1 <= reads["services"] <= options.partition_workers * options.concurrency
        assert (run["queries"], run["query_results"]) == (1, run["partitions"])
        assert run["queue_calls"] == {"send_message": DUE}
        # AND its floor made the same calls with the bare SDK
        assert run["floor"]["calls_match"] is True, run["floor"]["mismatches"]
        assert run["floor"]["seconds"] > 0
        assert run["to_floor"] == pytest.approx(run["floor"]["seconds"] / run["seconds"], abs=0.001)
        assert run["documents_read"] == scenario["documents_read_per_run"]
        assert run["seconds"] > 0
        assert scenario["fill"]["seconds"] > 0
        assert scenario["fill"]["messages_per_s"] > 0
        assert scenario["run_median_seconds"] == run["seconds"]
    # AND the ratios of the larger size to the smaller, and the push rates, are reported
    small, large = summary["scenarios"]
    assert summary["ratios"]["run_time"] == pytest.approx(
        large["run_median_seconds"] / small["run_median_seconds"], abs=0.001
    )
    assert summary["ratios"]["documents_read"] == pytest.approx(
        large["documents_read_per_run"] / small["documents_read_per_run"], abs=0.001
    )
    pushes = summary["push_queue"]
    assert pushes["adapter_per_s"] > 0
    assert pushes["bare_sdk_per_s"] > 0
    assert pushes["adapter_to_bare_sdk"] == pytest.approx(
        pushes["adapter_per_s"] / pushes["bare_sdk_per_s"], rel=0.01
    )
    assert "pushes/s" in render_table(summary)
    assert summary["to_floor"] > 0
    assert "of the floor's speed" in render_table(summary)
