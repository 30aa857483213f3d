"""Operator use cases on services: list and show them, change their settings, and issue,
rotate and revoke their keys.

A service has two key slots, PRIMARY and SECONDARY, so a key can be replaced without
downtime: rotate one slot while clients use the other. Its TEST keys (shared.domain.sandbox)
have the same two slots of their own, and rotate the same way. Workers cache key look-ups for
SERVICE_CACHE_TTL_SECONDS, so a rotated or revoked key, and a changed setting, take effect
within that time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from shared.domain.api_keys import ApiKeyRecord, KeyKind, KeySlot, new_key
from shared.domain.errors import AlreadyExistsError, FieldError, NotFoundError, ValidationError
from shared.domain.service import Service, is_valid_service_id
from shared.domain.service_change import ServiceChange
from shared.services.operator_writes import remove_key, store_new_key
from shared.services.ports import ApiKeyRepository, Clock, ServiceRepository

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceOverview:
    """A service, how many keys each of its slots holds (normally 0 or 1), and the key
    records themselves (for their dates; never to be shown with their ids, the hashes)."""

    service: Service
    keys: Mapping[KeySlot, int]
    key_records: tuple[ApiKeyRecord, ...] = ()
    # The same count for its TEST keys' slots.
    test_keys: Mapping[KeySlot, int] | None = None


@dataclass(frozen=True)
class IssuedKey:
    """A new key in clear: shown once, stored only as its hash."""

    service_id: str
    slot: KeySlot
    key: str
    kind: KeyKind = KeyKind.LIVE


@dataclass(frozen=True)
class RevokedKey:
    """A slot emptied, and the slots of the service that still hold a key."""

    service_id: str
    slot: KeySlot
    # The slots of the same kind that still hold a key.
    slots_left: frozenset[KeySlot]
    kind: KeyKind = KeyKind.LIVE


def _existing(service_id: str, services: ServiceRepository) -> Service:
    service = services.get(service_id) if is_valid_service_id(service_id) else None
    if service is None:
        raise NotFoundError(f"no service with id {service_id!r}")
    return service


def _in_slot(
    service_id: str, slot: KeySlot, api_keys: ApiKeyRepository, kind: KeyKind = KeyKind.LIVE
) -> list[ApiKeyRecord]:
    records = api_keys.for_service(service_id)
    return [record for record in records if record.slot is slot and record.kind is kind]


def _count(records: list[ApiKeyRecord], kind: KeyKind) -> dict[KeySlot, int]:
    return {
        slot: sum(record.slot is slot and record.kind is kind for record in records)
        for slot in KeySlot
    }


def list_services(*, services: ServiceRepository) -> list[Service]:
    """Every service, by name then id. Raises StorageUnavailableError."""
    return sorted(services.list_all(), key=lambda service: (service.name.casefold(), service.id))


def show_service(
    service_id: str, *, services: ServiceRepository, api_keys: ApiKeyRepository
) -> ServiceOverview:
    """The service and which of its slots hold a key. Raises NotFoundError."""
    service = _existing(service_id, services)
    records = api_keys.for_service(service.id)
    return ServiceOverview(
        service=service,
        keys=_count(records, KeyKind.LIVE),
        key_records=tuple(records),
        test_keys=_count(records, KeyKind.TEST),
    )


def update_service(
    service_id: str, change: ServiceChange, *, services: ServiceRepository
) -> Service:
    """Make `change` to the service's settings and return the service as stored.

    Raises ValidationError when the change is empty, NotFoundError for an unknown service.
    Two operators changing the same service at once: the last write wins.
    """
    if change.is_empty:
        raise ValidationError([FieldError("required", "give at least one setting to change", "")])
    changed = change.applied_to(_existing(service_id, services))
    services.replace(changed)
    logger.info("service %s settings changed", service_id)
    return changed


def issue_key(
    service_id: str,
    slot: KeySlot,
    *,
    services: ServiceRepository,
    api_keys: ApiKeyRepository,
    clock: Clock | None = None,
    kind: KeyKind = KeyKind.LIVE,
) -> IssuedKey:
    """A new key in an empty slot of `kind`; it works at once.

    Raises NotFoundError for an unknown service, AlreadyExistsError when the slot has a key.
    """
    _existing(service_id, services)
    label = slot_label(slot, kind)
    if _in_slot(service_id, slot, api_keys, kind):
        raise AlreadyExistsError(
            f"the {label} slot of service {service_id!r} already has a key: rotate it instead"
        )
    key, record = new_key(service_id, slot, kind, created_at=clock.now() if clock else None)
    store_new_key(record, api_keys=api_keys)
    logger.info("new %s key issued for service %s", label, service_id)
    return IssuedKey(service_id=service_id, slot=slot, key=key, kind=kind)


def rotate_key(
    service_id: str,
    slot: KeySlot,
    *,
    services: ServiceRepository,
    api_keys: ApiKeyRepository,
    clock: Clock | None = None,
    kind: KeyKind = KeyKind.LIVE,
) -> IssuedKey:
    """Replace the key in a slot of `kind`: the new one works at once, the old one stops
    working (within the workers' cache time); the other slots are left alone.

    Raises NotFoundError for an unknown service or an empty slot.
    """
    _existing(service_id, services)
    label = slot_label(slot, kind)
    old = _in_slot(service_id, slot, api_keys, kind)
    if not old:
        raise NotFoundError(f"service {service_id!r} has no {label} key: issue one instead")
    key, record = new_key(service_id, slot, kind, created_at=clock.now() if clock else None)
    # The new key is stored before the old one goes: if we stop in between, the slot holds
    # both, and the next rotation removes every key but its own.
    store_new_key(record, api_keys=api_keys)
    for stale in old:
        remove_key(stale.id, api_keys=api_keys)
    logger.info("%s key of service %s rotated", label, service_id)
    return IssuedKey(service_id=service_id, slot=slot, key=key, kind=kind)


def revoke_key(
    service_id: str,
    slot: KeySlot,
    *,
    services: ServiceRepository,
    api_keys: ApiKeyRepository,
    kind: KeyKind = KeyKind.LIVE,
) -> RevokedKey:
    """Remove the key in a slot of `kind`; it stops working within the workers' cache time.

    Raises NotFoundError for an unknown service or an empty slot.
    """
    _existing(service_id, services)
    label = slot_label(slot, kind)
    records = [record for record in api_keys.for_service(service_id) if record.kind is kind]
    revoked = [record for record in records if record.slot is slot]
    if not revoked:
        raise NotFoundError(f"service {service_id!r} has no {label} key to revoke")
    for record in revoked:
        remove_key(record.id, api_keys=api_keys)
    logger.info("%s key of service %s revoked", label, service_id)
    slots_left = frozenset(record.slot for record in records if record.slot is not slot)
    return RevokedKey(service_id=service_id, slot=slot, slots_left=slots_left, kind=kind)


def slot_label(slot: KeySlot, kind: KeyKind) -> str:
    """How a slot is named to the operator: PRIMARY, or TEST PRIMARY for a test key's."""
    return str(slot) if kind is KeyKind.LIVE else f"{kind} {slot}"
