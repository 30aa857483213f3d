"""A bulkhead per callback receiver: a receiver has at most `capacity` callbacks in flight,
others are not affected, and only receivers with callbacks in flight are remembered."""

from __future__ import annotations

import threading
import time

import pytest

from shared.adapters.receiver_bulkheads import ReceiverBulkheads, receiver_key

SLOW = "https://hooks.example.it:443/slow"
PROMPT = "https://hooks.example.it:443/prompt"


def test_a_receiver_takes_calls_up_to_its_capacity_and_no_more():
    bulkheads = ReceiverBulkheads(capacity=2)
    assert bulkheads.try_enter(SLOW)
    assert bulkheads.try_enter(SLOW)
    assert not bulkheads.try_enter(SLOW)
    assert bulkheads.in_flight(SLOW) == 2


def test_a_full_receiver_leaves_the_others_their_slots():
    # GIVEN one receiver with its only slot taken
    bulkheads = ReceiverBulkheads(capacity=1)
    assert bulkheads.try_enter(SLOW)
    # THEN another path at the same origin, and another origin, still take calls
    assert bulkheads.try_enter(PROMPT)
    assert bulkheads.try_enter("https://other.example.it:443/slow")
    assert not bulkheads.try_enter(SLOW)


def test_leaving_frees_a_slot_for_the_next_call():
    bulkheads = ReceiverBulkheads(capacity=1)
    assert bulkheads.try_enter(SLOW)
    bulkheads.leave(SLOW)
    assert bulkheads.try_enter(SLOW)


def _call_that_breaks(bulkheads: ReceiverBulkheads) -> None:
    with bulkheads.slot(SLOW) as entered:
        assert entered
        raise RuntimeError("the call broke")


def test_the_slot_is_given_back_when_the_block_raises():
    bulkheads = ReceiverBulkheads(capacity=1)
    with pytest.raises(RuntimeError, match="the call broke"):
        _call_that_breaks(bulkheads)
    assert bulkheads.in_flight(SLOW) == 0
    with bulkheads.slot(SLOW) as entered:
        assert entered


def test_a_call_turned_away_gives_back_no_slot_it_did_not_take():
    bulkheads = ReceiverBulkheads(capacity=1)
    with bulkheads.slot(SLOW) as first:
        with bulkheads.slot(SLOW) as second:
            assert first
            assert not second
        # The refused call leaving must not free the first call's slot.
        assert bulkheads.in_flight(SLOW) == 1
        assert not bulkheads.try_enter(SLOW)


def test_the_capacity_holds_under_threads_racing_for_one_receiver():
    bulkheads = ReceiverBulkheads(capacity=3)
    start = threading.Barrier(16)
    entered: list[bool] = []

    def race() -> None:
        start.wait()
        entered.append(bulkheads.try_enter(SLOW))

    threads = [threading.Thread(target=race) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert entered.count(True) == 3


def test_only_receivers_with_calls_in_flight_are_remembered():
    # GIVEN many receivers, each called once and done, and one still busy
    bulkheads = ReceiverBulkheads(capacity=2)
    for number in range(10_000):
        with bulkheads.slot(f"https://service-{number}.example.it:443/hooks") as entered:
            assert entered
    assert bulkheads.try_enter(SLOW)
    # THEN only the busy one is kept
    assert bulkheads.receivers_in_flight() == 1


def test_a_capacity_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        ReceiverBulkheads(capacity=0)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://Hooks.Example.IT/slow?token=s3cr3t", "https://hooks.example.it:443/slow"),
        ("HTTPS://hooks.example.it:443/slow", "https://hooks.example.it:443/slow"),
        ("https://hooks.example.it:8443/slow?a=1", "https://hooks.example.it:8443/slow"),
        ("http://127.0.0.1:7000", "http://127.0.0.1:7000/"),
        ("http://[::1]:7000/cb", "http://[::1]:7000/cb"),
        ("https://hooks.example.it/Slow", "https://hooks.example.it:443/Slow"),
    ],
)
def test_a_receiver_is_its_url_less_the_query(url, key):
    assert receiver_key(url) == key


def test_calls_with_different_queries_share_their_receivers_slots():
    bulkheads = ReceiverBulkheads(capacity=1)
    assert bulkheads.try_enter(receiver_key("https://hooks.example.it/slow?token=a"))
    assert not bulkheads.try_enter(receiver_key("https://hooks.example.it/slow?token=b"))


def test_a_call_waits_a_moment_for_a_slot_that_frees() -> None:
    # GIVEN a receiver's only slot taken, and given back 50 ms later
    bulkheads = ReceiverBulkheads(capacity=1)
    assert bulkheads.try_enter(SLOW)
    threading.Timer(0.05, bulkheads.leave, args=(SLOW,)).start()
    # WHEN another call asks with a wait, THEN it gets the slot once it frees
    started = time.monotonic()
    assert bulkheads.try_enter(SLOW, wait_seconds=2.0)
    assert 0.03 < time.monotonic() - started < 1.0


def test_a_call_gives_up_when_no_slot_frees_within_its_wait() -> None:
    bulkheads = ReceiverBulkheads(capacity=1)
    assert bulkheads.try_enter(SLOW)
    started = time.monotonic()
    assert not bulkheads.try_enter(SLOW, wait_seconds=0.1)
    assert 0.09 < time.monotonic() - started < 1.0
    assert bulkheads.in_flight(SLOW) == 1
