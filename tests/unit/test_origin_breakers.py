"""One circuit breaker per callback origin: a dead receiver stops costing time, the others
are not affected."""

from __future__ import annotations

from shared.adapters.circuit_breaker import BreakerState
from shared.adapters.origin_breakers import OriginBreakers


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_three_failures_within_a_minute_open_that_origins_breaker_only():
    ticks = Ticks()
    breakers = OriginBreakers(monotonic=ticks)
    dead = breakers.for_origin("https://dead.example:443")
    for second in (0.0, 20.0, 59.0):
        ticks.now = second
        dead.record_timeout()
    assert breakers.for_origin("https://dead.example:443").state is BreakerState.OPEN
    assert breakers.for_origin("https://alive.example:443").allow()


def test_failures_further_apart_than_a_minute_leave_it_closed():
    ticks = Ticks()
    breakers = OriginBreakers(monotonic=ticks)
    breaker = breakers.for_origin("https://slow.example:443")
    for second in (0.0, 40.0, 80.0, 120.0):
        ticks.now = second
        breaker.record_timeout()
    assert breaker.state is BreakerState.CLOSED


def test_after_thirty_seconds_one_probe_goes_out():
    ticks = Ticks()
    breakers = OriginBreakers(monotonic=ticks)
    breaker = breakers.for_origin("https://dead.example:443")
    for _ in range(3):
        breaker.record_timeout()
    ticks.now = 29.9
    assert not breaker.allow()
    ticks.now = 30.0
    assert breaker.allow()
    assert not breaker.allow()  # one probe at a time
    breaker.record_answer()
    assert breaker.state is BreakerState.CLOSED


def test_the_least_recently_used_origin_is_forgotten_beyond_the_bound():
    breakers = OriginBreakers(max_origins=2)
    first = breakers.for_origin("https://a.example:443")
    second = breakers.for_origin("https://b.example:443")
    breakers.for_origin("https://a.example:443")  # used again: b is now the oldest
    breakers.for_origin("https://c.example:443")
    assert breakers.for_origin("https://a.example:443") is first
    assert breakers.for_origin("https://b.example:443") is not second
