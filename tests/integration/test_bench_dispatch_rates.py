"""The dispatch benchmark, run small on the session's emulators with a host of its own,
delivers every event once and reports every figure the full run reports."""

from __future__ import annotations

import pytest

from bench.dispatch_calls import FLOOR_CALLS
from bench.dispatch_rates import Options, benchmark_on, render_table
from bench.pipeline_stack import BenchStack

pytestmark = [pytest.mark.emulators, pytest.mark.bench]

EVENTS = 20
LATENCY_EVENTS = 10


def test_a_small_run_delivers_every_event_once_and_reports_ratios_and_latencies(
    local_stack, tmp_path
):
    # GIVEN the session's emulators, a backlog of 20 events and 10 callbacks a run
    stack = BenchStack(settings=local_stack.settings, app_settings=local_stack.app_settings)
    options = Options(
        events=EVENTS,
        repeat=1,
        warmup=4,
        citizens=4,
        latency_events=LATENCY_EVENTS,
        delays=(0.2,),
    )

    # WHEN the benchmark starts the offline host (DispatchEvent alone) and runs
    summary = benchmark_on(stack, options, log_dir=tmp_path)

    # THEN every event of every round, the host's and the floor's, was delivered once
    assert summary["failures"] == []
    for run in [*summary["warmups"], *summary["dispatch"]["runs"], *summary["floor"]["runs"]]:
        assert run["nothing_lost_or_repeated"] is True, run
        assert run["left_to_the_relay"] == 0, run
    [host_run] = summary["dispatch"]["runs"]
    assert host_run["callbacks_received"] == EVENTS // 2
    assert host_run["pushes_queued"] == EVENTS // 2
    # AND one dispatch of each kind made exactly the calls the floor makes
    calls = summary["calls_per_event"]
    assert calls["push"]["delivered"] is True
    assert calls["callback"]["delivered"] is True
    assert summary["floor_matches_counted_calls"] is True
    assert summary["floor_calls_per_event"] == FLOOR_CALLS
    # AND the rates and their ratio are reported, the ratio per round
    host, floor = summary["dispatch"]["events_per_s"], summary["floor"]["events_per_s"]
    assert host > 0
    assert floor > 0
    assert summary["ratio_to_floor"] == pytest.approx(host / floor, rel=0.01, abs=0.001)
    # AND each receiver delay got every event, with a p50 and a p99 per service
    baseline, slow = summary["latency"]["runs"]
    assert (baseline["receiver_delay_s"], slow["receiver_delay_s"]) == (0.0, 0.2)
    for run in (baseline, slow):
        for service in ("prompt_service", "slow_service"):
            figures = run[service]
            assert figures["events"] == LATENCY_EVENTS // 2
            assert 0 < figures["median_ms"] <= figures["p99_ms"]
    assert baseline["prompt_service"]["p99_to_no_slow_receiver"] == 1.0
    assert summary["prompt_p99_growth_worst"] == slow["prompt_service"]["p99_to_no_slow_receiver"]
    assert set(summary["goals"]) >= {"events_per_s_to_floor_met", "prompt_median_growth_met"}
    assert "ratio to floor" in render_table(summary)
