"""Per-service rate limits, counted in a store shared by every function instance.

Each worker takes the service's quota from the shared counter in blocks (one atomic
increment per block, not per call) and hands it out locally. The limit still holds
across instances: no call is allowed beyond it, since a block is only used up to the
limit. The price: quota a worker took but did not use by the end of a window is lost to
the others (at most a block less one per worker), and RateLimit-Remaining is this
worker's view.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from shared.domain.errors import RateLimitedError, StorageUnavailableError
from shared.domain.rate_limit import RateLimitDecision, current_window, decide
from shared.domain.service import RateLimit, Service
from shared.services.ports import Clock, WindowCounter

logger = logging.getLogger(__name__)

MAX_BLOCK = 10
# Small limits are counted call by call: a block is at most 1/15 of the limit.
BLOCK_FRACTION = 15


def block_size(policy: RateLimit) -> int:
    """How many calls a worker reserves at once for a limit (1 for small limits)."""
    return max(1, min(MAX_BLOCK, policy.requests // BLOCK_FRACTION))


@dataclass
class _Lease:
    next_call: int  # the position in the window of the next call this worker may make
    last_call: int  # the last position this worker reserved


class RateLimiter:
    """One per worker process: leases of quota per (service, window)."""

    def __init__(self, *, counter: WindowCounter, clock: Clock) -> None:
        self._counter = counter
        self._clock = clock
        self._leases: dict[str, _Lease] = {}
        self._lock = threading.Lock()

    def enforce(self, service: Service) -> RateLimitDecision | None:
        """Count this call against the service's limit.

        Returns the decision (for the RateLimit-* headers), or None when the counter store
        is unavailable: the limit then fails open (see README, "Rate limits").
        Raises RateLimitedError when the service is over its limit.
        """
        policy = service.rate_limit
        window = current_window(service.id, policy, self._clock.now())
        with self._lock:
            lease = self._leases.get(window.key)
            if lease is not None and lease.next_call <= lease.last_call:
                position, lease.next_call = lease.next_call, lease.next_call + 1
                return decide(position, policy, window)
        block = block_size(policy)
        try:
            # Keep the counter a little past its window so a late call cannot recreate it.
            top = self._counter.increment(
                window.key, ttl_seconds=2 * policy.window_seconds + 60, by=block
            )
        except StorageUnavailableError:
            logger.warning("rate limit store unavailable; service %s not limited", service.id)
            return None
        first = top - block + 1
        decision = decide(first, policy, window)
        if not decision.allowed:
            raise RateLimitedError(decision.reset_seconds, decision.headers())
        with self._lock:
            self._forget_other_windows(window.key, service.id)
            self._leases[window.key] = _Lease(
                next_call=first + 1, last_call=min(top, policy.requests)
            )
        return decision

    def _forget_other_windows(self, current_key: str, service_id: str) -> None:
        prefix = f"{service_id}:"
        for key in [k for k in self._leases if k.startswith(prefix) and k != current_key]:
            del self._leases[key]
