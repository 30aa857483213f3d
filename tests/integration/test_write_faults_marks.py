"""A mark (one push per citizen per reminder run) whose create reply is lost for real: the
call that made it does not take it for its own, so the push waits for the next run rather
than risk a second one in this run."""

from __future__ import annotations

import uuid

import pytest

from shared.adapters.cosmos_rate_counter import CosmosWindowCounter
from shared.domain.errors import StorageUnavailableError
from shared.storage_layout import ContainerName
from tests.faultinjection import FaultyTransport, cosmos_container, cosmos_write

pytestmark = pytest.mark.emulators

COUNTERS = ContainerName.RATE_LIMITS


@pytest.fixture
def marks(local_stack) -> tuple[CosmosWindowCounter, FaultyTransport]:
    faults = FaultyTransport()
    container = cosmos_container(local_stack.settings, COUNTERS, transport=faults)
    return CosmosWindowCounter(container), faults


def test_a_mark_whose_reply_was_lost_is_set_once_and_not_taken_twice(marks):
    counter, faults = marks
    key = f"run-pushes:{uuid.uuid4().hex}"
    faults.lose_reply(cosmos_write(COUNTERS, "POST"))
    assert counter.mark(key, ttl_seconds=60) is False  # landed unanswered: not ours to use
    assert len(faults.faulted) == 1
    assert counter.mark(key, ttl_seconds=60) is False


def test_a_mark_never_sent_raises_and_sets_nothing(marks):
    counter, faults = marks
    key = f"run-pushes:{uuid.uuid4().hex}"
    faults.refuse(cosmos_write(COUNTERS, "POST"))
    with pytest.raises(StorageUnavailableError):
        counter.mark(key, ttl_seconds=60)
    assert counter.mark(key, ttl_seconds=60) is True
