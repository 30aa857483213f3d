"""Operator use cases that end or suspend a service: disable, enable, delete.

Disabling keeps everything: the service, its keys, its messages and their events. Its keys
are refused with 403 `service-disabled` on every institution route until it is enabled
again; messages it sent before go on being delivered, reminded and reported to its callback.

Deleting removes the service's keys (they then answer 401 like any unknown key) and then
the service record, leaving only a tombstone of its id: a deleted service's id is never
given to a new service, which would otherwise see the old one's messages. What it sent
stays: its messages are the citizens' now, in their inboxes as sent and with their statuses
(the inbox gives no sender name for them any more); a message still on its way is
delivered; its pending status callbacks are dropped by the dispatcher, which finds no
service to call; no reminder is sent for its messages. Its dead letters stay until they
expire, and its entries in the service-messages index stay (no key can list them any more).

Workers cache services and keys for SERVICE_CACHE_TTL_SECONDS: either change reaches the
API within that time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.domain.errors import NotFoundError, OutcomeUnknownError
from shared.domain.service import Service, is_valid_service_id
from shared.services.operator_writes import remove_key
from shared.services.ports import ApiKeyRepository, Clock, ServiceRepository

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeletedService:
    """What a deletion removed: the service and how many key records."""

    service: Service
    keys_deleted: int


def _existing(service_id: str, services: ServiceRepository) -> Service:
    service = services.get(service_id) if is_valid_service_id(service_id) else None
    if service is None:
        raise NotFoundError(f"no service with id {service_id!r}")
    return service


def disable_service(service_id: str, *, services: ServiceRepository, clock: Clock) -> Service:
    """Refuse the service's keys from now on (403 service-disabled); nothing is deleted.
    Disabling a disabled service keeps its first date.

    Raises NotFoundError, StorageUnavailableError.
    """
    service = _existing(service_id, services)
    if service.is_disabled:
        return service
    disabled = service.model_copy(update={"disabled_at": clock.now()})
    # A replace is harmless to repeat: a lost reply is resolved by writing it again.
    try:
        services.replace(disabled)
    except OutcomeUnknownError:
        services.replace(disabled)
    logger.info("service %s disabled", service_id)
    return disabled


def enable_service(service_id: str, *, services: ServiceRepository) -> Service:
    """Accept the service's keys again. Raises NotFoundError, StorageUnavailableError."""
    service = _existing(service_id, services)
    if not service.is_disabled:
        return service
    enabled = service.model_copy(update={"disabled_at": None})
    try:
        services.replace(enabled)
    except OutcomeUnknownError:
        services.replace(enabled)
    logger.info("service %s enabled", service_id)
    return enabled


def delete_service(
    service_id: str, *, services: ServiceRepository, api_keys: ApiKeyRepository
) -> DeletedService:
    """Delete the service's keys, then the service (see the module's docstring for what
    happens to its messages and callbacks).

    The keys go first: a deletion cut short leaves a service without keys, which the same
    command finishes; never keys pointing at nothing that no command could find again.
    Raises NotFoundError, StorageUnavailableError.
    """
    service = _existing(service_id, services)
    records = api_keys.for_service(service.id)
    for record in records:
        remove_key(record.id, api_keys=api_keys)
    try:
        services.remove(service.id)
    except OutcomeUnknownError:
        services.remove(service.id)
    logger.info("service %s deleted with %d key(s)", service_id, len(records))
    return DeletedService(service=service, keys_deleted=len(records))
