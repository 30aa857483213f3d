"""Identify the calling service from its API key."""

from __future__ import annotations

import hmac

from shared.domain.api_keys import hash_api_key
from shared.domain.errors import AuthenticationError
from shared.domain.service import Service
from shared.services.ports import ApiKeyRepository, ServiceRepository


def authenticate(
    api_key: str | None, *, api_keys: ApiKeyRepository, services: ServiceRepository
) -> Service:
    """The service that owns `api_key`.

    Raises AuthenticationError when the key is missing, unknown, or its service is gone.
    """
    if not api_key:
        raise AuthenticationError("missing Ocp-Apim-Subscription-Key header")
    key_hash = hash_api_key(api_key)
    record = api_keys.get(key_hash)
    if record is None or not hmac.compare_digest(record.id, key_hash):
        raise AuthenticationError("unknown API key")
    service = services.get(record.service_id)
    if service is None:
        raise AuthenticationError("unknown API key")
    return service
