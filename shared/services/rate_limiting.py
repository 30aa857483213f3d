"""Per-service rate limits, counted in a store shared by every function instance."""

from __future__ import annotations

import logging

from shared.domain.errors import RateLimitedError, StorageUnavailableError
from shared.domain.rate_limit import RateLimitDecision, current_window, decide
from shared.domain.service import Service
from shared.services.ports import Clock, WindowCounter

logger = logging.getLogger(__name__)


def enforce_rate_limit(
    service: Service, *, counter: WindowCounter, clock: Clock
) -> RateLimitDecision | None:
    """Count this call against the service's limit.

    Returns the decision (for the RateLimit-* headers), or None when the counter store
    is unavailable: the limit then fails open (see README, "Rate limits").
    Raises RateLimitedError when the service is over its limit.
    """
    policy = service.rate_limit
    window = current_window(service.id, policy, clock.now())
    try:
        # Keep the counter a little past its window so a late call cannot recreate it.
        count = counter.increment(window.key, ttl_seconds=2 * policy.window_seconds + 60)
    except StorageUnavailableError:
        logger.warning("rate limit store unavailable; service %s not limited", service.id)
        return None
    decision = decide(count, policy, window)
    if not decision.allowed:
        raise RateLimitedError(decision.reset_seconds, decision.headers())
    return decision
