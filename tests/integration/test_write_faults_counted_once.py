"""A citizen's day counter, counted once per reminder run, whose write reply is lost for
real: the retry finds the run's token and answers None, so the push waits for the next run
rather than risk a second one in this run; a write never sent is made by the next call."""

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
def counter(local_stack) -> tuple[CosmosWindowCounter, FaultyTransport]:
    faults = FaultyTransport()
    container = cosmos_container(local_stack.settings, COUNTERS, transport=faults)
    return CosmosWindowCounter(container), faults


def test_a_create_whose_reply_was_lost_counts_once_and_is_not_taken_as_ours(counter):
    counts, faults = counter
    key = f"reminder-pushes:{uuid.uuid4().hex}"
    faults.lose_reply(cosmos_write(COUNTERS, "POST"))
    assert counts.count_once(key, 60, token="run-1") is None  # landed unanswered
    assert len(faults.faulted) == 1
    assert counts.count_once(key, 60, token="run-2") == 2  # counted once, not twice


def test_a_replace_whose_reply_was_lost_counts_once(counter):
    counts, faults = counter
    key = f"reminder-pushes:{uuid.uuid4().hex}"
    assert counts.count_once(key, 60, token="run-1") == 1
    faults.lose_reply(cosmos_write(COUNTERS, "PUT"))
    assert counts.count_once(key, 60, token="run-2") is None
    assert counts.count_once(key, 60, token="run-3") == 3


def test_a_count_never_sent_raises_and_counts_nothing(counter):
    counts, faults = counter
    key = f"reminder-pushes:{uuid.uuid4().hex}"
    faults.refuse(cosmos_write(COUNTERS, "POST"))
    with pytest.raises(StorageUnavailableError):
        counts.count_once(key, 60, token="run-1")
    assert counts.count_once(key, 60, token="run-1") == 1
