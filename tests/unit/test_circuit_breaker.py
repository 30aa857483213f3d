"""The circuit breaker that keeps a stuck endpoint from holding every worker thread."""

from __future__ import annotations

from shared.adapters.circuit_breaker import BreakerState, CircuitBreaker


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _breaker(ticks: Ticks) -> CircuitBreaker:
    return CircuitBreaker(threshold=2, window=10.0, open_seconds=5.0, monotonic=ticks)


def _state(breaker: CircuitBreaker) -> BreakerState:
    return breaker.state


def test_one_timeout_leaves_it_closed_two_within_the_window_open_it():
    ticks = Ticks()
    breaker = _breaker(ticks)
    breaker.record_timeout()
    assert breaker.allow()
    ticks.now = 9.0
    breaker.record_timeout()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()


def test_timeouts_further_apart_than_the_window_never_open_it():
    ticks = Ticks()
    breaker = _breaker(ticks)
    for second in (0.0, 11.0, 22.0):
        ticks.now = second
        breaker.record_timeout()
    assert breaker.state is BreakerState.CLOSED


def test_an_answer_in_between_forgets_earlier_timeouts():
    ticks = Ticks()
    breaker = _breaker(ticks)
    breaker.record_timeout()
    breaker.record_answer()
    breaker.record_timeout()
    assert breaker.state is BreakerState.CLOSED


def test_after_the_open_time_one_probe_goes_out_and_an_answer_closes_it():
    ticks = Ticks()
    breaker = _breaker(ticks)
    breaker.record_timeout()
    breaker.record_timeout()
    ticks.now = 5.0
    assert _state(breaker) is BreakerState.HALF_OPEN
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # one at a time
    breaker.record_answer()
    assert _state(breaker) is BreakerState.CLOSED
    assert breaker.allow()


def test_a_probe_that_times_out_opens_it_again_for_a_full_period():
    ticks = Ticks()
    breaker = _breaker(ticks)
    breaker.record_timeout()
    breaker.record_timeout()
    ticks.now = 6.0
    assert breaker.allow()
    breaker.record_timeout()
    ticks.now = 10.0
    assert not breaker.allow()
    ticks.now = 11.0
    assert breaker.allow()


def test_a_probe_that_fails_fast_lets_the_next_call_probe():
    ticks = Ticks()
    breaker = _breaker(ticks)
    breaker.record_timeout()
    breaker.record_timeout()
    ticks.now = 5.0
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.allow()
