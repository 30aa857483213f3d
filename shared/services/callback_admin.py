"""Operator use cases on a service's status callback: set its URL, rotate, retire and remove
its signing secrets.

A secret is generated here, shown once (returned in clear to the operator, who hands it to
the institution) and stored only sealed for its service. Rotation works like the two API key
slots: `rotate` adds a new secret and keeps the current one, so every callback is signed with
both (a `v1=` each) while the institution moves its receiver to the new one; `retire` then
drops all but the newest. Workers cache services for SERVICE_CACHE_TTL_SECONDS, so a change
reaches the dispatchers within that time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.domain.callbacks import (
    CallbackTarget,
    SealedSecret,
    callback_url_errors,
    new_secret_id,
    new_signing_secret,
)
from shared.domain.errors import FieldError, NotFoundError, OutcomeUnknownError, ValidationError
from shared.domain.service import Service, is_valid_service_id
from shared.services.ports import Clock, SecretSealer, ServiceRepository

logger = logging.getLogger(__name__)

# Where a bad callback URL is pointed at (the CLI names its --url flag).
URL_POINTER = "/callback_url"


@dataclass(frozen=True)
class IssuedSecret:
    """A new signing secret in clear: shown once, stored only sealed."""

    id: str
    secret: str


@dataclass(frozen=True)
class CallbackChange:
    """A service after a change of its callback, and the secret the change issued, if any."""

    service: Service
    issued: IssuedSecret | None = None
    retired: int = 0


def _existing(service_id: str, services: ServiceRepository) -> Service:
    service = services.get(service_id) if is_valid_service_id(service_id) else None
    if service is None:
        raise NotFoundError(f"no service with id {service_id!r}")
    return service


def _with_callback(service: Service) -> CallbackTarget:
    if service.callback is None:
        raise NotFoundError(f"service {service.id!r} has no callback: set one first")
    return service.callback


def _store(changed: Service, services: ServiceRepository) -> None:
    """Write the changed service; after a lost reply, write it again (the same document:
    harmless to repeat), so that a secret printed to the operator is surely the stored one."""
    try:
        services.replace(changed)
    except OutcomeUnknownError:
        services.replace(changed)


def _new_secret(
    service: Service, *, sealer: SecretSealer, clock: Clock
) -> tuple[IssuedSecret, SealedSecret]:
    text = new_signing_secret()
    sealed = SealedSecret(
        id=new_secret_id(),
        sealed=sealer.seal(text.encode("utf-8"), service_id=service.id),
        created_at=clock.now(),
    )
    return IssuedSecret(id=sealed.id, secret=text), sealed


def check_callback_url(url: str, *, allow_loopback_http: bool) -> None:
    """Raises ValidationError (pointing at URL_POINTER) naming every fault of `url`."""
    errors = callback_url_errors(url, allow_loopback_http=allow_loopback_http)
    if errors:
        raise ValidationError(
            [FieldError("invalid_callback_url", detail, URL_POINTER) for detail in errors]
        )


def set_callback(
    service_id: str,
    url: str,
    *,
    services: ServiceRepository,
    sealer: SecretSealer,
    clock: Clock,
    allow_loopback_http: bool,
) -> CallbackChange:
    """Point the service's callback at `url`. A service without a callback gets its first
    secret (returned once); one with a callback keeps its secrets, only the URL changes.

    Raises ValidationError for a URL that may not be called, NotFoundError for an unknown
    service. Two operators changing the same service at once: the last write wins.
    """
    check_callback_url(url, allow_loopback_http=allow_loopback_http)
    service = _existing(service_id, services)
    issued = None
    if service.callback is None:
        issued, sealed = _new_secret(service, sealer=sealer, clock=clock)
        target = CallbackTarget(url=url, secrets=(sealed,))
    else:
        target = service.callback.model_copy(update={"url": url})
    changed = service.model_copy(update={"callback": target})
    _store(changed, services)
    logger.info("service %s callback set", service_id)
    return CallbackChange(service=changed, issued=issued)


def rotate_callback_secret(
    service_id: str, *, services: ServiceRepository, sealer: SecretSealer, clock: Clock
) -> CallbackChange:
    """Add a new secret (returned once) and keep the current one: callbacks are signed with
    both until `retire_callback_secrets`.

    Raises NotFoundError for an unknown service or one without a callback,
    AlreadyExistsError when two secrets are in use already (retire first).
    """
    service = _existing(service_id, services)
    current = _with_callback(service)
    issued, sealed = _new_secret(service, sealer=sealer, clock=clock)
    changed = service.model_copy(update={"callback": current.with_new_secret(sealed)})
    _store(changed, services)
    logger.info("service %s callback secret %s added", service_id, sealed.id)
    return CallbackChange(service=changed, issued=issued)


def retire_callback_secrets(service_id: str, *, services: ServiceRepository) -> CallbackChange:
    """Drop every secret but the newest (nothing to do when it is the only one).

    Raises NotFoundError for an unknown service or one without a callback.
    """
    service = _existing(service_id, services)
    current = _with_callback(service)
    retired = len(current.secrets) - 1
    if not retired:
        return CallbackChange(service=service)
    changed = service.model_copy(update={"callback": current.newest_only()})
    _store(changed, services)
    logger.info("service %s: %d old callback secret(s) retired", service_id, retired)
    return CallbackChange(service=changed, retired=retired)


def remove_callback(service_id: str, *, services: ServiceRepository) -> CallbackChange:
    """Stop the service's callbacks: its URL and secrets are forgotten.

    Raises NotFoundError for an unknown service or one without a callback.
    """
    service = _existing(service_id, services)
    _with_callback(service)
    changed = service.model_copy(update={"callback": None})
    _store(changed, services)
    logger.info("service %s callback removed", service_id)
    return CallbackChange(service=changed)
