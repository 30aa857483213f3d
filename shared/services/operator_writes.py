"""Writing services and API key records so that a lost reply (OutcomeUnknownError) neither
fails an operator's command that did its work nor leaves a key nobody was shown.

Each write is resolved the way its record allows: a key record is new by construction (its
id is the hash of a key just generated), so storing it again tells whether the first write
landed; a delete is harmless to repeat; a new service is read back and compared.
"""

from __future__ import annotations

import contextlib

from shared.domain.api_keys import ApiKeyRecord
from shared.domain.errors import AlreadyExistsError, OutcomeUnknownError, StorageUnavailableError
from shared.domain.service import Service
from shared.services.ports import ApiKeyRepository, ServiceRepository


def store_new_key(record: ApiKeyRecord, *, api_keys: ApiKeyRepository) -> None:
    """Store the record of a key just generated.

    After a lost reply it is stored again: only our own first write can have taken the
    hash of a new random key, so "already exists" then means it landed.
    Raises StorageUnavailableError; OutcomeUnknownError when it may be stored all the same.
    """
    try:
        api_keys.add(record)
    except OutcomeUnknownError:
        try:
            with contextlib.suppress(AlreadyExistsError):
                api_keys.add(record)
        except StorageUnavailableError as exc:
            raise OutcomeUnknownError(f"the key may have been stored: {exc}") from exc


def remove_key(key_hash: str, *, api_keys: ApiKeyRepository) -> None:
    """Delete a key record (nothing if it is gone); after a lost reply, delete it again.

    Raises StorageUnavailableError.
    """
    try:
        api_keys.remove(key_hash)
    except OutcomeUnknownError:
        api_keys.remove(key_hash)


def store_new_service(service: Service, *, services: ServiceRepository) -> None:
    """Store a new service. After a lost reply it is stored again, and a service already
    stored under its id is taken as this write's when it is this very service.

    Raises AlreadyExistsError if another service has the id, StorageUnavailableError;
    OutcomeUnknownError when it may be stored all the same.
    """
    try:
        try:
            services.add(service)
        except OutcomeUnknownError:
            try:
                _store_again(service, services)
            except StorageUnavailableError as exc:
                raise OutcomeUnknownError(f"the service may have been stored: {exc}") from exc
    except AlreadyExistsError as exc:
        # The store says only "a record"; the operator needs to know which id is taken.
        raise AlreadyExistsError(
            f"service {service.id} already exists, or existed (a deleted service's id is "
            f"never reused): choose another id, or change it with `service update {service.id}`"
        ) from exc


def _store_again(service: Service, services: ServiceRepository) -> None:
    try:
        services.add(service)
    except AlreadyExistsError:
        if services.get(service.id) != service:
            raise
