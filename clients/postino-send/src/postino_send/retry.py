"""When to try a request again, and how long to wait first.

429 (over the rate limit) says how long to wait in `Retry-After`; server errors (a 503
"outcome unknown" among them) and lost connections back off exponentially,
with full jitter so that parallel workers do not come back together. Every message carries
its Idempotency-Key, so a retried request never creates a second message.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

from shared.domain.compat import UTC

WAIT_STATUSES = frozenset({429})
SERVER_ERROR_STATUSES = frozenset({500, 502, 503, 504})
DEFAULT_RETRY_AFTER = 1.0


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str:
        """The header's value ('' when absent), whatever its case."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")


class TransportError(Exception):
    """The request got no answer (connection refused or lost, timeout)."""


class RunStoppedError(Exception):
    """The run is stopping: the request was not (or not again) sent."""


@dataclass(frozen=True)
class RetryPolicy:
    """`max_attempts` for server errors and lost connections; `max_waits` Retry-After waits
    per request, each at most `max_retry_after` seconds."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 60.0
    max_waits: int = 100

    def backoff(self, failures: int, rng: random.Random) -> float:
        """The wait after the `failures`-th failure in a row (full jitter)."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (failures - 1)))

    def retry_after(self, answer: HttpAnswer, now: datetime | None = None) -> float:
        """Seconds to wait as `Retry-After` says (seconds or an HTTP date), capped."""
        value = answer.header("Retry-After")
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                seconds = (when - (now or datetime.now(UTC))).total_seconds()
            except (TypeError, ValueError):
                seconds = DEFAULT_RETRY_AFTER
        return min(max(seconds, 0.0), self.max_retry_after)


@dataclass
class RetryStats:
    """What the retries cost over a run (shared by the workers).

    `waited_seconds` adds up every worker's waits: four workers waiting out the same 429 for
    10 s make 40 s. `wall_seconds` is the run's own time spent with at least one worker
    waiting (10 s there), measured on `clock` around the actual sleeps.
    """

    rate_limited: int = 0  # 429 answers
    failures: int = 0  # server errors and lost connections that were retried
    waited_seconds: float = 0.0
    wall_seconds: float = 0.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _waiting: int = field(default=0, repr=False)
    _first_began: float = field(default=0.0, repr=False)

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Time a sleep: the wall-clock time while any worker sleeps counts once."""
        with self._lock:
            if self._waiting == 0:
                self._first_began = self.clock()
            self._waiting += 1
        try:
            yield
        finally:
            with self._lock:
                self._waiting -= 1
                if self._waiting == 0:
                    self.wall_seconds += self.clock() - self._first_began

    def waited(self, seconds: float, status: int | None) -> None:
        """Count one wait of `seconds` after an answer of `status` (None: no answer)."""
        with self._lock:
            self.waited_seconds += seconds
            if status == 429:
                self.rate_limited += 1
            else:
                self.failures += 1


class GaveUpError(Exception):
    """The request failed `attempts` times in a row for a reason worth retrying."""

    def __init__(self, detail: str, attempts: int) -> None:
        super().__init__(f"gave up after {attempts} attempts: {detail}")


def with_retries(
    send: Callable[[], HttpAnswer],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], bool],
    rng: random.Random,
    stats: RetryStats,
) -> HttpAnswer:
    """The first answer worth keeping from `send()`, retried as the policy says.

    `sleep(seconds)` waits and returns False when the run is stopping.
    Raises GaveUpError when the retries run out, RunStoppedError when the run stops.
    """
    failures = 0
    waits = 0
    while True:
        try:
            answer = send()
        except TransportError as lost:
            failures += 1
            if failures >= policy.max_attempts:
                raise GaveUpError(str(lost), failures) from None
            delay = policy.backoff(failures, rng)
            stats.waited(delay, None)
        else:
            if answer.status in WAIT_STATUSES:
                waits += 1
                if waits > policy.max_waits:
                    raise GaveUpError(f"still {answer.status} after {waits - 1} waits", waits)
                # A little jitter spreads the workers over the new window.
                delay = policy.retry_after(answer) + rng.uniform(0, 0.25)
                stats.waited(delay, answer.status)
            elif answer.status in SERVER_ERROR_STATUSES:
                failures += 1
                if failures >= policy.max_attempts:
                    raise GaveUpError(f"the API answered {answer.status}", failures)
                delay = policy.backoff(failures, rng)
                stats.waited(delay, answer.status)
            else:
                return answer
        with stats.waiting():
            slept = sleep(delay)
        if not slept:
            raise RunStoppedError
