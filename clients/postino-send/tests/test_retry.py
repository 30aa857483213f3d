"""Retries: Retry-After honoured on 429, exponential backoff on server errors and
lost connections, a bounded number of attempts, and an early stop."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

import pytest

from fake_api import answer, lost, problem
from postino_send.retry import (
    GaveUpError,
    HttpAnswer,
    RetryPolicy,
    RetryStats,
    RunStoppedError,
    with_retries,
)
from shared.domain.compat import UTC


class FakeSleeper:
    """Records the waits instead of sleeping; `stop_after` waits, it reports a stop."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.waits: list[float] = []
        self._stop_after = stop_after

    def __call__(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return self._stop_after is None or len(self.waits) < self._stop_after


def _run(
    answers: Sequence[HttpAnswer | Exception],
    policy: RetryPolicy | None = None,
    sleeper: FakeSleeper | None = None,
) -> tuple[HttpAnswer, FakeSleeper, RetryStats]:
    sleeper = sleeper or FakeSleeper()
    stats = RetryStats()
    queue = list(answers)

    def send() -> HttpAnswer:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    result = with_retries(
        send, policy=policy or RetryPolicy(), sleep=sleeper, rng=random.Random(7), stats=stats
    )
    return result, sleeper, stats


def test_waits_as_retry_after_says_then_retries() -> None:
    result, sleeper, stats = _run([problem(429, "slow down", Retry_After="3"), answer(201)])

    assert result.status == 201
    [wait] = sleeper.waits
    assert 3 <= wait <= 3.25  # plus a little jitter
    assert (stats.rate_limited, stats.failures) == (1, 0)


def test_a_long_retry_after_is_capped() -> None:
    _, sleeper, _ = _run(
        [problem(429, "x", Retry_After="3600"), answer(201)], RetryPolicy(max_retry_after=5)
    )

    assert 5 <= sleeper.waits[0] <= 5.25


def test_retry_after_as_an_http_date_or_missing() -> None:
    policy = RetryPolicy()
    now = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    dated = answer(429, Retry_After="Fri, 01 May 2026 12:00:04 GMT")

    assert policy.retry_after(dated, now) == 4
    assert policy.retry_after(answer(429), now) == 1
    assert policy.retry_after(answer(429, Retry_After="soon"), now) == 1


def test_server_errors_back_off_exponentially_with_jitter_up_to_the_attempts() -> None:
    policy = RetryPolicy(max_attempts=4, base_delay=1, max_delay=3)

    with pytest.raises(GaveUpError, match="gave up after 4 attempts: the API answered 503"):
        _run([problem(503, "down")] * 4, policy)

    _, sleeper, stats = _run([problem(503, "down")] * 3 + [answer(201)], policy)
    # Full jitter: each wait is within [0, min(max_delay, base * 2^(n-1))].
    assert len(sleeper.waits) == 3
    for n, wait in enumerate(sleeper.waits, 1):
        assert 0 <= wait <= min(3, 2 ** (n - 1))
    assert stats.failures == 3


def test_lost_connections_are_retried_and_counted() -> None:
    result, sleeper, stats = _run([lost(), lost(), answer(201)])

    assert result.status == 201
    assert len(sleeper.waits) == stats.failures == 2


def test_other_answers_are_returned_at_once() -> None:
    for status in (200, 400, 403, 404, 413, 422):
        result, sleeper, _ = _run([problem(status, "no")])
        assert result.status == status
        assert sleeper.waits == []


def test_a_stop_during_a_wait_ends_the_retries() -> None:
    with pytest.raises(RunStoppedError):
        _run([problem(429, "x", Retry_After="1")] * 5, sleeper=FakeSleeper(stop_after=2))


def test_too_many_rate_limited_waits_give_up() -> None:
    with pytest.raises(GaveUpError, match="still 429"):
        _run([problem(429, "x", Retry_After="1")] * 4, RetryPolicy(max_waits=3))


def test_waits_side_by_side_count_once_in_the_runs_time_and_in_full_in_the_sum() -> None:
    # GIVEN a clock, and two workers whose waits overlap: 0-10 s and 5-12 s, then one alone
    now = [0.0]
    stats = RetryStats(clock=lambda: now[0])
    first, second = stats.waiting(), stats.waiting()

    first.__enter__()
    now[0] = 5.0
    second.__enter__()
    now[0] = 10.0
    first.__exit__(None, None, None)
    now[0] = 12.0
    second.__exit__(None, None, None)
    now[0] = 20.0
    with stats.waiting():
        now[0] = 23.0

    # THEN the run spent 12 + 3 s waiting, whatever the number of workers
    assert stats.wall_seconds == 15.0


def test_the_retries_time_their_sleeps_on_the_stats_clock() -> None:
    now = [0.0]
    stats = RetryStats(clock=lambda: now[0])
    answers = iter([problem(503, "down"), answer(201, {"id": "m"})])

    def sleep(seconds: float) -> bool:
        now[0] += 4.0  # the wait took 4 s of the run's time
        return True

    with_retries(
        lambda: next(answers),
        policy=RetryPolicy(),
        sleep=sleep,
        rng=random.Random(1),
        stats=stats,
    )

    assert (stats.failures, stats.wall_seconds) == (1, 4.0)
