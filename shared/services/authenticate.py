"""Identify the calling service from its API key."""

from __future__ import annotations

import hmac

from shared.domain.api_keys import hash_api_key
from shared.domain.errors import AuthenticationError
from shared.domain.service import Service
from shared.services.service_directory import CachedServiceDirectory


def authenticate(api_key: str | None, *, directory: CachedServiceDirectory) -> Service:
    """The service that owns `api_key`.

    Raises AuthenticationError when the key is missing or unknown, or its service is gone,
    and StorageUnavailableError.
    """
    if not api_key:
        raise AuthenticationError("missing Ocp-Apim-Subscription-Key header")
    key_hash = hash_api_key(api_key)
    owner = directory.owner_of(key_hash)
    # Compare the presented key's hash with the stored one in constant time, whatever
    # the store or the cache matched on.
    if owner is None or not hmac.compare_digest(owner.stored_key_hash, key_hash):
        raise AuthenticationError("unknown API key")
    return owner.service
