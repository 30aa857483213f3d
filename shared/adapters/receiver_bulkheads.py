"""A bulkhead per callback receiver, so one slow receiver cannot take every worker thread.

A worker process runs all its invocations on a bounded pool of threads. A receiver that
answers late holds a thread for each of its callbacks, and the other services' callbacks
wait behind them. Each receiver (its URL less the query) may have at most `capacity`
callbacks in flight from one process. A call beyond that waits a moment for a slot
(SLOT_WAIT_SECONDS: a prompt receiver frees one in milliseconds); if none frees, it is not
sent, and its event is tried again a little later. It waits no longer: waiting would hold
the thread the bulkhead is there to free.

The receiver is the path, not the origin: services often share a host (a regional portal,
a provider's platform), each at a path of its own, and one of them being slow must not
hold back the others. Only receivers with callbacks in flight are remembered, so what is
kept is bounded by the calls in flight, which the worker's threads bound.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

DEFAULT_CAPACITY = 2
# How long a call may wait for one of its receiver's slots to free.
SLOT_WAIT_SECONDS = 0.25


def receiver_key(url: str) -> str:
    """The receiver `url` names: scheme://host:port/path, scheme and host lower-cased, the
    default port written out, without the query (it may hold a token) or the fragment."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (443 if scheme == "https" else 80)
    return f"{scheme}://{host}:{port}{parts.path or '/'}"


class ReceiverBulkheads:
    """Callbacks in flight per receiver key, at most `capacity` each. Thread-safe; one per
    sender (per worker process)."""

    def __init__(self, *, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("a receiver's capacity is at least 1")
        self.capacity = capacity
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)

    def try_enter(self, key: str, *, wait_seconds: float = 0.0) -> bool:
        """Take one of the receiver's slots, waiting at most `wait_seconds` for one to free;
        False when none did."""
        ends = time.monotonic() + wait_seconds
        with self._freed:
            while (taken := self._in_flight.get(key, 0)) >= self.capacity:
                left = ends - time.monotonic()
                if left <= 0:
                    return False
                self._freed.wait(left)
            self._in_flight[key] = taken + 1
            return True

    def leave(self, key: str) -> None:
        """Give back a slot taken with try_enter; a receiver left idle is forgotten."""
        with self._freed:
            taken = self._in_flight.get(key, 0)
            if taken <= 1:
                self._in_flight.pop(key, None)
            else:
                self._in_flight[key] = taken - 1
            self._freed.notify_all()

    @contextmanager
    def slot(self, key: str, *, wait_seconds: float = SLOT_WAIT_SECONDS) -> Iterator[bool]:
        """Whether a slot was taken (within `wait_seconds`); one taken is given back on
        leaving the block."""
        entered = self.try_enter(key, wait_seconds=wait_seconds)
        try:
            yield entered
        finally:
            if entered:
                self.leave(key)

    def in_flight(self, key: str) -> int:
        """The callbacks in flight to the receiver `key`."""
        with self._lock:
            return self._in_flight.get(key, 0)

    def receivers_in_flight(self) -> int:
        """How many receivers are remembered: those with a callback in flight."""
        with self._lock:
            return len(self._in_flight)
