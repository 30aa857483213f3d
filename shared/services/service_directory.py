"""Find the service behind an API key hash, with a short per-process cache.

The hot path then costs no Cosmos read per request; a revoked key or a changed service
setting takes effect within the cache's time to live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.service import Service
from shared.services.ports import ApiKeyRepository, Clock, ServiceRepository


@dataclass(frozen=True)
class KeyOwner:
    """A stored key's hash (as stored) and the service that owns it."""

    stored_key_hash: str
    service: Service


@dataclass(frozen=True)
class _Entry:
    owner: KeyOwner
    expires_at: datetime


@dataclass(frozen=True)
class _ServiceEntry:
    service: Service | None
    expires_at: datetime


class CachedServiceDirectory:
    """Looks keys up by point reads and remembers hits for `ttl` (misses are not cached,
    so a newly issued key works at once). Looks services up by id the same way."""

    def __init__(
        self,
        *,
        api_keys: ApiKeyRepository,
        services: ServiceRepository,
        clock: Clock,
        ttl: timedelta,
    ) -> None:
        self._api_keys = api_keys
        self._services = services
        self._clock = clock
        self._ttl = ttl
        self._entries: dict[str, _Entry] = {}
        self._services_by_id: dict[str, _ServiceEntry] = {}

    def owner_of(self, key_hash: str) -> KeyOwner | None:
        """The owner of the key with this hash, or None. Raises StorageUnavailableError."""
        now = self._clock.now()
        entry = self._entries.get(key_hash)
        if entry is not None and entry.expires_at > now:
            return entry.owner
        record = self._api_keys.get(key_hash)
        service = None if record is None else self._services.get(record.service_id)
        if record is None or service is None:
            self._entries.pop(key_hash, None)
            return None
        owner = KeyOwner(stored_key_hash=record.id, service=service)
        # Plain dict assignment is atomic in CPython; concurrent misses at worst read twice.
        self._entries[key_hash] = _Entry(owner, now + self._ttl)
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
