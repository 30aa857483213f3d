"""The accept floor made from several processes: every message accepted once, on the
emulators, with the processes' CPU reported and the processes gone once closed."""

from __future__ import annotations

import uuid

import pytest

from bench.bare_sdk import bare_database, bare_queue
from bench.floor_processes import AcceptProcesses
from bench.pipeline import Options, benchmark_on
from bench.pipeline_stack import BenchStack, delete_queue, fresh_queue
from bench.storage_floor import FLOOR_CONTAINER

pytestmark = [pytest.mark.emulators, pytest.mark.bench]


def _documents_of(settings, partition: str) -> int:
    container = bare_database(settings).get_container_client(FLOOR_CONTAINER)
    documents = container.query_items(
        "SELECT c.id FROM c WHERE c.fiscal_code = @partition",
        parameters=[{"name": "@partition", "value": partition}],
        enable_cross_partition_query=True,
    )
    return len(list(documents))


def test_two_processes_accept_each_message_once(local_stack):
    # GIVEN a floor of 2 processes of 2 threads each, on a queue of its own
    stack = BenchStack(settings=local_stack.settings, app_settings=local_stack.app_settings)
    queue_name = fresh_queue(stack, "floor-processes")
    partition = f"floor-{uuid.uuid4().hex[:8]}"
    floor = AcceptProcesses(
        stack.settings,
        queue_name=queue_name,
        template={"id": "0" * 26, "status": "ACCEPTED", "body": "x"},
        partition=partition,
        processes=2,
        concurrency=4,
    )
    try:
        # WHEN it accepts 11 messages, twice
        phases = [floor.accept(11), floor.accept(11)]
    finally:
        floor.close()
    try:
        # THEN each round accepted all of them, and the processes' CPU is reported
        for phase in phases:
            assert (phase.count, phase.failures, phase.errors) == (11, 0, [])
            assert phase.seconds > 0
            assert phase.other_processes_cpu_seconds > 0
        # AND the store and the queue hold each message once
        assert _documents_of(stack.settings, partition) == 22
        properties = bare_queue(stack.settings, queue_name).get_queue_properties()
        assert properties.approximate_message_count == 22
        # AND the processes are gone
        assert floor.running() == 0
    finally:
        delete_queue(stack, queue_name)


def test_an_accepting_only_run_counts_the_floor_processes_cpu(local_stack, tmp_path):
    # GIVEN a small accepting-only run whose floor is made from 2 processes
    stack = BenchStack(settings=local_stack.settings, app_settings=local_stack.app_settings)
    options = Options(
        messages=40,
        concurrency=4,
        warmup=5,
        accept_only=True,
        after_azurite_sweep=False,
        floor_processes=2,
    )

    # WHEN the benchmark runs
    summary = benchmark_on(stack, options, log_dir=tmp_path)

    # THEN the floor accepted every message, and its client's CPU includes its processes'
    # (this process only hands out the shares and waits: well under a millisecond each)
    assert summary["failures"] == []
    [floor_run] = summary["floor"]["runs"]
    assert floor_run["accepted_per_s"] > 0
    assert floor_run["cpu_ms_per_message"]["accept"]["client"] > 1.0
