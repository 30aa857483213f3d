"""Operator use cases on services: list and show them, change their settings, and issue,
rotate and revoke their keys.

A service has two key slots, PRIMARY and SECONDARY, so a key can be replaced without
downtime: rotate one slot while clients use the other. Workers cache key look-ups for
SERVICE_CACHE_TTL_SECONDS, so a rotated or revoked key, and a changed setting, take effect
within that time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from shared.domain.api_keys import ApiKeyRecord, KeySlot, new_key
from shared.domain.errors import AlreadyExistsError, FieldError, NotFoundError, ValidationError
from shared.domain.service import Service, is_valid_service_id
from shared.domain.service_change import ServiceChange
from shared.services.operator_writes import remove_key, store_new_key
from shared.services.ports import ApiKeyRepository, ServiceRepository

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceOverview:
    """A service and how many keys each of its slots holds (normally 0 or 1)."""

    service: Service
    keys: Mapping[KeySlot, int]


@dataclass(frozen=True)
class IssuedKey:
    """A new key in clear: shown once, stored only as its hash."""

    service_id: str
    slot: KeySlot
    key: str


@dataclass(frozen=True)
class RevokedKey:
    """A slot emptied, and the slots of the service that still hold a key."""

    service_id: str
    slot: KeySlot
    slots_left: frozenset[KeySlot]


def _existing(service_id: str, services: ServiceRepository) -> Service:
    service = services.get(service_id) if is_valid_service_id(service_id) else None
    if service is None:
        raise NotFoundError(f"no service with id {service_id!r}")
    return service


def _in_slot(service_id: str, slot: KeySlot, api_keys: ApiKeyRepository) -> list[ApiKeyRecord]:
    return [record for record in api_keys.for_service(service_id) if record.slot is slot]


def list_services(*, services: ServiceRepository) -> list[Service]:
    """Every service, by name then id. Raises StorageUnavailableError."""
    return sorted(services.list_all(), key=lambda service: (service.name.casefold(), service.id))


def show_service(
    service_id: str, *, services: ServiceRepository, api_keys: ApiKeyRepository
) -> ServiceOverview:
    """The service and which of its slots hold a key. Raises NotFoundError."""
    service = _existing(service_id, services)
    records = api_keys.for_service(service.id)
    keys = {slot: sum(record.slot is slot for record in records) for slot in KeySlot}
    return ServiceOverview(service=service, keys=keys)


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
    service_id: str, slot: KeySlot, *, services: ServiceRepository, api_keys: ApiKeyRepository
) -> IssuedKey:
    """A new key in an empty slot; it works at once.

    Raises NotFoundError for an unknown service, AlreadyExistsError when the slot has a key.
    """
    _existing(service_id, services)
    if _in_slot(service_id, slot, api_keys):
        raise AlreadyExistsError(
            f"the {slot} slot of service {service_id!r} already has a key: rotate it instead"
        )
    key, record = new_key(service_id, slot)
    store_new_key(record, api_keys=api_keys)
    logger.info("new %s key issued for service %s", slot, service_id)
    return IssuedKey(service_id=service_id, slot=slot, key=key)


def rotate_key(
    service_id: str, slot: KeySlot, *, services: ServiceRepository, api_keys: ApiKeyRepository
) -> IssuedKey:
    """Replace the key in a slot: the new one works at once, the old one stops working
    (within the workers' cache time); the other slot is left alone.

    Raises NotFoundError for an unknown service or an empty slot.
    """
    _existing(service_id, services)
    old = _in_slot(service_id, slot, api_keys)
    if not old:
        raise NotFoundError(f"service {service_id!r} has no {slot} key: issue one instead")
    key, record = new_key(service_id, slot)
    # The new key is stored before the old one goes: if we stop in between, the slot holds
    # both, and the next rotation removes every key but its own.
    store_new_key(record, api_keys=api_keys)
    for stale in old:
        remove_key(stale.id, api_keys=api_keys)
    logger.info("%s key of service %s rotated", slot, service_id)
    return IssuedKey(service_id=service_id, slot=slot, key=key)


def revoke_key(
    service_id: str, slot: KeySlot, *, services: ServiceRepository, api_keys: ApiKeyRepository
) -> RevokedKey:
    """Remove the key in a slot; it stops working within the workers' cache time.

    Raises NotFoundError for an unknown service or an empty slot.
    """
    _existing(service_id, services)
    records = api_keys.for_service(service_id)
    revoked = [record for record in records if record.slot is slot]
    if not revoked:
        raise NotFoundError(f"service {service_id!r} has no {slot} key to revoke")
    for record in revoked:
        remove_key(record.id, api_keys=api_keys)
    logger.info("%s key of service %s revoked", slot, service_id)
    slots_left = frozenset(record.slot for record in records if record.slot is not slot)
    return RevokedKey(service_id=service_id, slot=slot, slots_left=slots_left)
