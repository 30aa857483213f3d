"""Fixed-window rate limiting: which window a call falls in and what the caller is told."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from shared.domain.service import RateLimit


@dataclass(frozen=True)
class RateWindow:
    """One window of a service's rate limit: its counter key and seconds until it resets."""

    key: str
    reset_seconds: int


@dataclass(frozen=True)
class RateLimitDecision:
    allowed: bool
    policy: RateLimit
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        """The RateLimit-* response headers (IETF httpapi draft) describing this decision."""
        return {
            "RateLimit-Limit": str(self.policy.requests),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.policy.requests};w={self.policy.window_seconds}",
        }


def current_window(service_id: str, policy: RateLimit, now: datetime) -> RateWindow:
    epoch = now.timestamp()
    index = math.floor(epoch / policy.window_seconds)
    ends_at = (index + 1) * policy.window_seconds
    return RateWindow(
        key=f"{service_id}:{policy.window_seconds}:{index}",
        reset_seconds=max(1, math.ceil(ends_at - epoch)),
    )


def decide(count: int, policy: RateLimit, window: RateWindow) -> RateLimitDecision:
    """The decision for the `count`-th call in `window`."""
    return RateLimitDecision(
        allowed=count <= policy.requests,
        policy=policy,
        remaining=max(0, policy.requests - count),
        reset_seconds=window.reset_seconds,
    )
