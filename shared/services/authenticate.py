"""Identify the calling service from its API key."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from shared.domain.api_keys import KeyKind, hash_api_key, is_well_formed_api_key
from shared.domain.errors import AuthenticationError
from shared.domain.service import Service
from shared.services.auth_failure_throttle import FailedAuthThrottle
from shared.services.service_directory import CachedServiceDirectory, KeyOwner


def _owns(owner: KeyOwner | None, key_hash: str) -> bool:
    # Compare the presented key's hash with the stored one in constant time, whatever
    # the store or the cache matched on.
    return owner is not None and hmac.compare_digest(owner.stored_key_hash, key_hash)


@dataclass(frozen=True)
class Caller:
    """The service a key authenticates, and the key's kind (TEST keys write to the sandbox)."""

    service: Service
    kind: KeyKind

    @property
    def is_test(self) -> bool:
        return self.kind is KeyKind.TEST


def authenticate(
    api_key: str | None,
    *,
    directory: CachedServiceDirectory,
    throttle: FailedAuthThrottle | None = None,
    caller: str | None = None,
) -> Service:
    """The service that owns `api_key`: authenticate_caller's service."""
    found = authenticate_caller(api_key, directory=directory, throttle=throttle, caller=caller)
    return found.service


def authenticate_caller(
    api_key: str | None,
    *,
    directory: CachedServiceDirectory,
    throttle: FailedAuthThrottle | None = None,
    caller: str | None = None,
) -> Caller:
    """The service that owns `api_key`, and the key's kind.

    A missing key, or a value not shaped like a key, is refused at once, without a look-up;
    so is an unknown key met lately (the directory remembers misses). With `throttle`, each
    unknown key counts against `caller` (the client's address), and a caller that had too
    many lately is refused any key this worker does not already know, before a look-up.

    Raises AuthenticationError when the key is missing, malformed or unknown, or its
    service is gone; AuthThrottledError (a RateLimitedError); StorageUnavailableError.
    """
    if not api_key:
        raise AuthenticationError("missing Ocp-Apim-Subscription-Key header")
    if not is_well_formed_api_key(api_key):
        raise AuthenticationError("not an API key: keys are 32 lowercase hexadecimal characters")
    key_hash = hash_api_key(api_key)
    known = directory.remembered(key_hash)
    if known is not None and _owns(known, key_hash):
        return Caller(known.service, known.kind)
    if throttle is not None:
        throttle.check(caller)
    owner = directory.owner_of(key_hash)
    if owner is None or not _owns(owner, key_hash):
        if throttle is not None:
            throttle.failed(caller)
        raise AuthenticationError("unknown API key")
    return Caller(owner.service, owner.kind)
