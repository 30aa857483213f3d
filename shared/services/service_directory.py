"""Find the service behind an API key hash, with a short per-process cache.

The hot path then costs no Cosmos read per request; a revoked key or a changed service
setting takes effect within the cache's time to live. Unknown keys are remembered too, for
the same time and in bounded memory (the most recent MAX_REMEMBERED_MISSES), so a client
repeating a bad key costs one read per time to live, not one per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.api_keys import KeyKind
from shared.domain.service import Service
from shared.services.key_usage import KeyUsageRecorder
from shared.services.ports import ApiKeyRepository, Clock, ServiceRepository

# About 100 bytes each (a 64-character hash and its expiry): at most a few MiB per worker.
MAX_REMEMBERED_MISSES = 10_000


@dataclass(frozen=True)
class KeyOwner:
    """A stored key's hash (as stored), the service that owns it and the key's kind."""

    stored_key_hash: str
    service: Service
    kind: KeyKind = KeyKind.LIVE


@dataclass(frozen=True)
class _Entry:
    owner: KeyOwner
    expires_at: datetime


@dataclass(frozen=True)
class _ServiceEntry:
    service: Service | None
    expires_at: datetime


class _RecentMisses:
    """Key hashes found unknown, each until it expires; the oldest go first when full."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._expiries: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    def holds(self, key_hash: str, now: datetime) -> bool:
        with self._lock:
            expires_at = self._expiries.get(key_hash)
            if expires_at is None:
                return False
            if expires_at <= now:
                del self._expiries[key_hash]
                return False
            return True

    def add(self, key_hash: str, expires_at: datetime) -> None:
        with self._lock:
            self._expiries[key_hash] = expires_at
            self._expiries.move_to_end(key_hash)
            while len(self._expiries) > self._capacity:
                self._expiries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._expiries)


class CachedServiceDirectory:
    """Looks keys up by point reads and remembers hits and misses for `ttl`. Looks services
    up by id the same way. With `usage`, each key record read tells it the key was used
    (shared/services/key_usage.py).

    A remembered miss is no obstacle to a new key: keys are random (a new one was never
    looked up before), and the operator's revocation only ever turns a hit into a miss.
    """

    def __init__(
        self,
        *,
        api_keys: ApiKeyRepository,
        services: ServiceRepository,
        clock: Clock,
        ttl: timedelta,
        max_misses: int = MAX_REMEMBERED_MISSES,
        usage: KeyUsageRecorder | None = None,
    ) -> None:
        self._api_keys = api_keys
        self._usage = usage
        self._services = services
        self._clock = clock
        self._ttl = ttl
        self._entries: dict[str, _Entry] = {}
        self._misses = _RecentMisses(max_misses)
        self._services_by_id: dict[str, _ServiceEntry] = {}

    def remembered(self, key_hash: str) -> KeyOwner | None:
        """The owner of the key with this hash if this worker knows it already (a fresh
        hit); None otherwise. Never reads the store."""
        entry = self._entries.get(key_hash)
        if entry is not None and entry.expires_at > self._clock.now():
            return entry.owner
        return None

    def owner_of(self, key_hash: str) -> KeyOwner | None:
        """The owner of the key with this hash, or None. Raises StorageUnavailableError."""
        now = self._clock.now()
        entry = self._entries.get(key_hash)
        if entry is not None and entry.expires_at > now:
            return entry.owner
        if self._misses.holds(key_hash, now):
            return None
        record = self._api_keys.get(key_hash)
        service = None if record is None else self._services.get(record.service_id)
        if record is None or service is None:
            self._entries.pop(key_hash, None)
            self._misses.add(key_hash, now + self._ttl)
            return None
        owner = KeyOwner(stored_key_hash=record.id, service=service, kind=record.kind)
        # Plain dict assignment is atomic in CPython; concurrent misses at worst read twice.
        self._entries[key_hash] = _Entry(owner, now + self._ttl)
        if self._usage is not None:
            # At most once per ttl per key and worker: the cache answers in between.
            self._usage.used(record, now)
        return owner

    def service(self, service_id: str) -> Service | None:
        """The service with this id, or None when there is none. Raises
        StorageUnavailableError."""
        now = self._clock.now()
        entry = self._services_by_id.get(service_id)
        if entry is not None and entry.expires_at > now:
            return entry.service
        service = self._services.get(service_id)
        # Misses are cached too: senders of messages exist before their messages, so a
        # miss is a deleted service, and an inbox may name it on every item of a page.
        self._services_by_id[service_id] = _ServiceEntry(service, now + self._ttl)
        return service
