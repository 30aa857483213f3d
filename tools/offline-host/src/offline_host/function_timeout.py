"""host.json ``functionTimeout``: notice invocations that run too long.

The host does not cancel an invocation in its worker process, so one past its timeout keeps
running there; it is logged when the timeout passes and reported as failed when (if) its
answer comes back. The real host would instead fail it at once and restart the worker.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from datetime import timedelta

from .timespan import format_timespan

logger = logging.getLogger(__name__)


class TimeoutWatchdog:
    """Tracks the deadline of every running invocation; one thread for all of them."""

    def __init__(self, timeout: timedelta | None) -> None:
        self._timeout = timeout
        self._deadlines: list[tuple[float, str]] = []
        self._running: dict[str, str] = {}
        self._expired: set[str] = set()
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def timeout(self) -> timedelta | None:
        return self._timeout

    def watch(self, invocation_id: str, function_name: str) -> None:
        """Start the clock for an invocation that has just begun."""
        if self._timeout is None:
            return
        deadline = time.monotonic() + self._timeout.total_seconds()
        with self._wakeup:
            self._running[invocation_id] = function_name
            heapq.heappush(self._deadlines, (deadline, invocation_id))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="function-timeout", daemon=True
                )
                self._thread.start()
            elif self._deadlines[0][1] == invocation_id:
                self._wakeup.notify()

    def release(self, invocation_id: str) -> bool:
        """Stop the clock for an invocation; True when it had already timed out."""
        if self._timeout is None:
            return False
        with self._wakeup:
            self._running.pop(invocation_id, None)
            if invocation_id in self._expired:
                self._expired.discard(invocation_id)
                return True
            return False

    def close(self) -> None:
        with self._wakeup:
            self._closed = True
            self._wakeup.notify()

    def _run(self) -> None:
        shown = format_timespan(self._timeout or timedelta(0))
        with self._wakeup:
            while not self._closed:
                now = time.monotonic()
                while self._deadlines and self._deadlines[0][0] <= now:
                    _, invocation_id = heapq.heappop(self._deadlines)
                    name = self._running.get(invocation_id)
                    if name is not None:
                        self._expired.add(invocation_id)
                        logger.error(
                            "Timeout value of %s exceeded by function 'Functions.%s' (Id: '%s'). "
                            "It keeps running: the offline host does not cancel it in the worker.",
                            shown,
                            name,
                            invocation_id,
                        )
                wait = self._deadlines[0][0] - now if self._deadlines else None
                self._wakeup.wait(wait)
