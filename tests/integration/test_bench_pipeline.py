"""The pipeline benchmark, run small on the session's emulators with a host of its own,
reports every figure the full run reports."""

from __future__ import annotations

import pytest

from bench.host_sampling import read_samples
from bench.pipeline import Options, benchmark_on, render_table
from bench.pipeline_stack import BenchStack

pytestmark = [pytest.mark.emulators, pytest.mark.bench]

MESSAGES = 20


def test_a_small_run_processes_every_message_and_reports_ratios_to_the_floor(local_stack, tmp_path):
    # GIVEN the session's emulators and a run of 20 messages on 4 connections
    stack = BenchStack(settings=local_stack.settings, app_settings=local_stack.app_settings)
    options = Options(messages=MESSAGES, concurrency=4, warmup=5, after_azurite_sweep=False)

    # WHEN the benchmark starts the offline host (on a queue of its own) and runs
    summary = benchmark_on(stack, options, log_dir=tmp_path)

    # THEN nothing failed: every POST got 201 and every message reached PROCESSED
    assert summary["failures"] == []
    assert summary["ok"] is True
    [run] = summary["pipeline"]["runs"]
    assert run["statuses"] == {"201": MESSAGES}
    assert run["message_statuses"] == {"PROCESSED": MESSAGES}
    # AND the dispatcher had pushed every new-message event before the floor's round began
    assert run["events_drained_after_decided_s"] is not None
    # AND the pipeline, the floor and their ratios carry positive rates
    pipeline, floor, ratios = summary["pipeline"], summary["floor"], summary["ratios"]
    for rates in (pipeline, floor):
        assert rates["accepted_per_s"] > 0
        assert rates["processed_per_s"] > 0
    # (the ratios keep 3 decimals, so a small one is only as close as their rounding)
    assert ratios["accepted"] == pytest.approx(
        pipeline["accepted_per_s"] / floor["accepted_per_s"], rel=0.01, abs=0.001
    )
    assert ratios["processed"] == pytest.approx(
        pipeline["processed_per_s"] / floor["processed_per_s"], rel=0.01, abs=0.001
    )
    # AND the latencies, the host's memory, the CPU shares and the machine are reported
    assert 0 < pipeline["accept_p50_ms"] <= pipeline["accept_p99_ms"]
    assert summary["host_peak_memory_mib"] > 0
    assert {"host", "cosmos", "azurite", "client"} <= set(pipeline["cpu_ms_per_message"]["posts"])
    assert summary["cpu_count"] >= 1
    assert summary["messages"] == MESSAGES
    assert summary["concurrency"] == 4
    assert "accepted/s" in render_table(summary)


def test_host_profile_samples_the_host_and_its_worker_processes(local_stack, tmp_path):
    # GIVEN a small accepting-only run asked for a profile of the host
    stack = BenchStack(settings=local_stack.settings, app_settings=local_stack.app_settings)
    options = Options(
        messages=200, concurrency=4, warmup=5, accept_only=True, after_azurite_sweep=False
    )
    stacks = tmp_path / "host.stacks"

    # WHEN the benchmark runs
    summary = benchmark_on(stack, options, log_dir=tmp_path, host_profile=stacks)

    # THEN py-spy sampled both the host and the worker that ran CreateMessage
    assert summary["failures"] == []
    samples = read_samples(stacks.read_text(encoding="utf-8"))
    assert len(samples.processes) >= 2
    assert any("worker_process" in process for process in samples.processes)
    assert any(frame.startswith("create_message ") for frame in samples.inclusive)
