"""Operator use cases: register services with their keys, and citizens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.domain.api_keys import KeySlot, new_key
from shared.domain.errors import OutcomeUnknownError, StorageUnavailableError, ValidationError
from shared.domain.fiscal_code import require_valid_fiscal_code
from shared.domain.profile import Profile
from shared.domain.service import RateLimit, Service, Tier, new_service_errors
from shared.domain.service_change import ServiceChange
from shared.services.operator_writes import store_new_key, store_new_service
from shared.services.ports import ApiKeyRepository, Clock, ProfileRepository, ServiceRepository


@dataclass(frozen=True)
class NewServiceKeys:
    """A freshly created service and its keys in clear: shown once, never stored."""

    service: Service
    primary_key: str
    secondary_key: str


def create_service(
    *,
    name: str,
    organization_name: str,
    organization_fiscal_code: str,
    department_name: str = "",
    tier: Tier = Tier.BASIC,
    service_id: str | None = None,
    max_allowed_payment_amount: int = 0,
    rate_limit: RateLimit | None = None,
    settings: ServiceChange | None = None,
    services: ServiceRepository,
    api_keys: ApiKeyRepository,
    clock: Clock | None = None,
) -> NewServiceKeys:
    """Register a service and issue its primary and secondary keys.

    `settings`, an operator's choice of settings, is applied over the other arguments.
    Raises ValidationError for bad fields and AlreadyExistsError if the id is taken, and
    StorageUnavailableError; when the service was stored but its keys were not, the error
    names the service, so that the operator gives it keys rather than creating it again.
    """
    errors = new_service_errors(
        name=name,
        organization_name=organization_name,
        organization_fiscal_code=organization_fiscal_code,
        service_id=service_id,
    )
    if errors:
        raise ValidationError(errors)
    service = Service(
        id=service_id or uuid.uuid4().hex,
        name=name,
        organization_name=organization_name,
        organization_fiscal_code=organization_fiscal_code,
        department_name=department_name,
        tier=tier,
        max_allowed_payment_amount=max_allowed_payment_amount,
        rate_limit=rate_limit or RateLimit(),
    )
    if settings is not None:
        service = settings.applied_to(service)
    try:
        store_new_service(service, services=services)
    except OutcomeUnknownError as exc:
        raise OutcomeUnknownError(
            f"service {service.id} may have been created ({exc}): look with "
            f"`service show {service.id}` before creating it again"
        ) from exc
    keys = {}
    try:
        for slot in KeySlot:
            issued_at = clock.now() if clock else None
            keys[slot], record = new_key(service.id, slot, created_at=issued_at)
            store_new_key(record, api_keys=api_keys)
    except StorageUnavailableError as exc:
        raise StorageUnavailableError(
            f"service {service.id} was created but its keys were not all stored ({exc}): "
            f"do not create it again; give it keys with `key rotate` (a slot `service show` "
            f"says is set) or `key issue` (an empty one)"
        ) from exc
    return NewServiceKeys(service, keys[KeySlot.PRIMARY], keys[KeySlot.SECONDARY])


def register_citizen(
    fiscal_code: str,
    *,
    inbox_enabled: bool = True,
    preferred_languages: tuple[str, ...] = ("it_IT",),
    profiles: ProfileRepository,
) -> Profile:
    """Create or replace a citizen's profile. Raises ValidationError for a bad fiscal code."""
    require_valid_fiscal_code(fiscal_code)
    profile = Profile(
        fiscal_code=fiscal_code,
        inbox_enabled=inbox_enabled,
        preferred_languages=preferred_languages,
    )
    profiles.save(profile)
    return profile
