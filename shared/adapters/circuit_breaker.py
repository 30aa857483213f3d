"""Stop calling an endpoint that keeps timing out, for a few seconds at a time.

A call to a store that accepts connections but never answers holds its thread for the
whole timeout. During an outage every request would then hold a worker thread that long,
and requests that need nothing from the broken store would queue behind them. After
`threshold` timeouts within `window` seconds the breaker opens: calls fail at once, never
sent, for `open_seconds`; then one call at a time is let through as a probe, and the first
one that gets an answer closes the breaker. Only timeouts count: a refused connection or
an error answer already fails fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Thread-safe; one per remote endpoint per process."""

    def __init__(
        self,
        *,
        threshold: int = 2,
        window: float = 10.0,
        open_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = threshold
        self._window = window
        self._open_seconds = open_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._timeouts: list[float] = []
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state(self._monotonic())

    def _state(self, now: float) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if now - self._opened_at < self._open_seconds:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def allow(self) -> bool:
        """Whether a call may go out now (in the half-open state, one probe at a time)."""
        with self._lock:
            state = self._state(self._monotonic())
            if state is BreakerState.CLOSED:
                return True
            if state is BreakerState.OPEN or self._probing:
                return False
            self._probing = True
            return True

    def record_answer(self) -> None:
        """The endpoint answered (whatever it said): it is reachable."""
        with self._lock:
            self._timeouts.clear()
            self._opened_at = None
            self._probing = False

    def record_timeout(self) -> None:
        """A call went unanswered for its whole timeout."""
        with self._lock:
            now = self._monotonic()
            if self._opened_at is not None:
                # A probe timed out, or a call sent before the breaker opened did.
                self._opened_at = now
                self._probing = False
                return
            self._timeouts = [at for at in self._timeouts if now - at < self._window] + [now]
            if len(self._timeouts) >= self._threshold:
                self._opened_at = now
                self._timeouts.clear()

    def record_failure(self) -> None:
        """A call failed fast (refused, reset): the probe is over, the state unchanged."""
        with self._lock:
            self._probing = False
