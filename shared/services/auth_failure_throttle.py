"""Throttle client addresses that keep presenting unknown API keys, in each worker.

After FAILURE_LIMIT unknown keys within WINDOW_SECONDS of the first, an address is refused
with 429 and Retry-After until that window ends, before any look-up; a key the worker
already knows still works from it (so clients sharing an address with a misconfigured or
hostile one, as institutions behind one regional network do, keep working). Missing keys
and values not shaped like a key are not counted: they are refused without touching the
store, so throttling them would protect nothing and only add to what such neighbours risk.

Per worker, not in the shared store: a shared counter would cost a Cosmos write per bad
request, more than the read it saves, and would make the throttle itself a way to load the
store. The price: an address gets FAILURE_LIMIT unknown keys per window from each worker
instance. That bounds the cost of bad keys, which is what the throttle is for: guessing a
key (128 random bits) is hopeless at any rate.

Addresses are personal data, so they are never kept: the throttle keys its counters by an
HMAC of the address under a random key made when the worker starts (and lost with it),
in bounded memory (the MAX_ADDRESSES most recently failing). An IPv6 address counts as its
/64 network, which one client can change addresses in at will.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv6Address, IPv6Network, ip_address

from shared.domain.errors import PostinoError, RateLimitedError
from shared.services.ports import Clock

logger = logging.getLogger(__name__)

FAILURE_LIMIT = 20
WINDOW_SECONDS = 60
# About 150 bytes each: at most a few MiB per worker.
MAX_ADDRESSES = 10_000
IPV6_PREFIX = 64


class AuthThrottledError(RateLimitedError):
    """The caller's address presented too many unknown keys lately; `retry_after` seconds
    until it may try again (answered 429, as any RateLimitedError)."""

    def __init__(self, retry_after: int, headers: dict[str, str]) -> None:
        PostinoError.__init__(
            self,
            "too many requests from this address had an unknown API key; "
            f"retry in {retry_after} s with a valid key",
        )
        self.retry_after = retry_after
        self.headers = headers


@dataclass
class _Window:
    started_at: datetime
    failures: int


def _network_of(address: str) -> str:
    parsed = ip_address(address)
    if not isinstance(parsed, IPv6Address):
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(IPv6Network((parsed, IPV6_PREFIX), strict=False))


class FailedAuthThrottle:
    """Counts failed authentications per address (hashed) in windows of `window_seconds`
    from each address's first failure, and refuses an address that reached `limit` until
    its window ends. Thread-safe."""

    def __init__(
        self,
        *,
        clock: Clock,
        limit: int = FAILURE_LIMIT,
        window_seconds: int = WINDOW_SECONDS,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self._clock = clock
        self._limit = limit
        self._window = timedelta(seconds=window_seconds)
        self._max_addresses = max_addresses
        self._key = secrets.token_bytes(32)
        self._windows: OrderedDict[str, _Window] = OrderedDict()
        self._lock = threading.Lock()

    def _name(self, address: str | None) -> str | None:
        if not address:
            return None
        try:
            network = _network_of(address)
        except ValueError:
            return None
        digest = hmac.new(self._key, network.encode("ascii"), hashlib.sha256)
        return digest.hexdigest()[:32]

    def check(self, address: str | None) -> None:
        """Raises AuthThrottledError when `address` reached the limit in its current window.

        An address that cannot be told (None: no X-Forwarded-For, as only local calls come)
        is never throttled.
        """
        name = self._name(address)
        if name is None:
            return
        now = self._clock.now()
        with self._lock:
            window = self._windows.get(name)
            if window is None or window.failures < self._limit:
                return
            ends_at = window.started_at + self._window
            if ends_at <= now:
                del self._windows[name]
                return
        retry_after = max(1, math.ceil((ends_at - now).total_seconds()))
        raise AuthThrottledError(retry_after, self._headers(retry_after))

    def failed(self, address: str | None) -> None:
        """Count a failed authentication from `address`."""
        name = self._name(address)
        if name is None:
            return
        now = self._clock.now()
        with self._lock:
            window = self._windows.get(name)
            if window is None or window.started_at + self._window <= now:
                window = _Window(started_at=now, failures=0)
                self._windows[name] = window
            window.failures += 1
            self._windows.move_to_end(name)
            while len(self._windows) > self._max_addresses:
                self._windows.popitem(last=False)
            reached = window.failures == self._limit
        if reached:
            # The hash names the address within this worker only; never the address.
            logger.warning(
                "client %s throttled: %d unknown API keys within %d s",
                name[:12],
                self._limit,
                int(self._window.total_seconds()),
            )

    def _headers(self, retry_after: int) -> dict[str, str]:
        window_seconds = int(self._window.total_seconds())
        return {
            "RateLimit-Limit": str(self._limit),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(retry_after),
            "RateLimit-Policy": f"{self._limit};w={window_seconds}",
        }


class _Worker:
    throttle: FailedAuthThrottle | None = None
    lock = threading.Lock()


def worker_throttle(clock: Clock) -> FailedAuthThrottle:
    """The worker process's throttle, made with `clock` on first use."""
    with _Worker.lock:
        if _Worker.throttle is None:
            _Worker.throttle = FailedAuthThrottle(clock=clock)
        return _Worker.throttle
