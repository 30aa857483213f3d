"""The benchmarks keep the local push queue drained while a round runs, and stop at its end."""

from __future__ import annotations

import time

import pytest
from azure.storage.queue import QueueClient

from bench.bare_sdk import bare_queue
from bench.pipeline_stack import BenchStack, delete_queue, fresh_queue
from bench.push_drain import drained

pytestmark = [pytest.mark.emulators, pytest.mark.bench]

EVERY = 0.2


def _count(queue: QueueClient) -> int:
    return queue.get_queue_properties().approximate_message_count or 0


def test_pushes_made_during_the_block_are_emptied_and_none_after_it(local_stack):
    # GIVEN a queue of its own standing for the local push queue
    stack = BenchStack(settings=local_stack.settings, app_settings=local_stack.app_settings)
    name = fresh_queue(stack, "drain")
    queue = bare_queue(stack.settings, name)
    try:
        # WHEN pushes arrive while the drain runs
        with drained(queue, every=EVERY):
            for _ in range(5):
                queue.send_message("push")
            deadline = time.monotonic() + 20 * EVERY
            while _count(queue) and time.monotonic() < deadline:
                time.sleep(EVERY / 4)
            # THEN they are taken within a few ticks
            assert _count(queue) == 0

        # AND once the block has ended nothing drains the queue any more
        queue.send_message("after")
        time.sleep(3 * EVERY)
        assert _count(queue) == 1
    finally:
        delete_queue(stack, name)
