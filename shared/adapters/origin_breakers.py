"""A circuit breaker per callback origin, so one dead receiver does not eat the workers' time.

A receiver that is down costs every POST to it a connect timeout, and one whose host takes
the connection and never answers costs a read timeout: seconds of a worker each, for every
event of that service. After THRESHOLD timeouts or failed connections to one origin within
WINDOW_SECONDS, calls to it answer "retry later" at once for OPEN_SECONDS; then one call goes
out as a probe, and an answer (whatever its status) closes the breaker again. The breaker
itself is shared/adapters/circuit_breaker.py's; this module keeps one per origin, in process.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from shared.adapters.circuit_breaker import CircuitBreaker

THRESHOLD = 3
WINDOW_SECONDS = 60.0
OPEN_SECONDS = 30.0
# Origins remembered per process; the least recently used is forgotten beyond this.
MAX_ORIGINS = 1024


class OriginBreakers:
    """Thread-safe; one per sender (per worker process)."""

    def __init__(
        self,
        *,
        threshold: int = THRESHOLD,
        window: float = WINDOW_SECONDS,
        open_seconds: float = OPEN_SECONDS,
        max_origins: int = MAX_ORIGINS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._make: Callable[[], CircuitBreaker] = lambda: CircuitBreaker(
            threshold=threshold, window=window, open_seconds=open_seconds, monotonic=monotonic
        )
        self._max_origins = max_origins
        self._breakers: OrderedDict[str, CircuitBreaker] = OrderedDict()
        self._lock = threading.Lock()

    def for_origin(self, origin: str) -> CircuitBreaker:
        """The breaker of `origin` (scheme://host:port), made closed on first use."""
        with self._lock:
            breaker = self._breakers.get(origin)
            if breaker is None:
                breaker = self._breakers[origin] = self._make()
                if len(self._breakers) > self._max_origins:
                    self._breakers.popitem(last=False)
            else:
                self._breakers.move_to_end(origin)
            return breaker
