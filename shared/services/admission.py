"""May this service send? The institution API's whole decision, in the order it is taken,
and what each refusal answers (the errors' statuses come from shared/http.py's table).

Every call, before its body is read (`admit_service`):

1. Its API key (`Ocp-Apim-Subscription-Key`, shared/services/authenticate.py): missing, not
   shaped like a key, unknown, or its service gone: 401 unauthorized. An address that
   presented too many unknown keys lately: 429 with Retry-After, before any look-up
   (shared/services/auth_failure_throttle.py).
2. The service, disabled by the operator: 403 service-disabled
   (shared/domain/entitlements.py `check_service_enabled`).
3. The caller's address, outside the service's authorized networks: 403 forbidden
   (`check_caller_address`).
4. The service's rate limit (shared/services/rate_limiting.py): 429 with Retry-After and
   the RateLimit-* headers; with the counter store unreachable the limit fails open.

An admitted call answers with its RateLimit-* headers (`Admission.headers`). A message sent
on it (CreateMessage) is then checked in turn:

5. Its body's size, by the service's tier (`message_body_limit`): 413 payload-too-large (a
   Premium contract's body may carry attachments).
6. Its Idempotency-Key and its content (shared/domain/message_rules.py): 400
   validation-error; not an entitlement, but it comes before what follows.
7. What the contract and settings allow of this message (shared/domain/entitlements.py
   `check_message_entitlements`, in create_message): ADVANCED, attachments, payment
   notices, limited (trial) mode, a TEST key's sandbox recipient: 403 forbidden, pointing
   at the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.api_keys import KeyKind
from shared.domain.entitlements import check_caller_address, check_service_enabled
from shared.domain.message_rules import MAX_MESSAGE_BODY_BYTES, max_message_body_bytes
from shared.domain.rate_limit import RateLimitDecision
from shared.domain.service import Service
from shared.observability.log_context import bind
from shared.services.auth_failure_throttle import FailedAuthThrottle
from shared.services.authenticate import authenticate_caller
from shared.services.rate_limiting import RateLimiter
from shared.services.service_directory import CachedServiceDirectory


@dataclass(frozen=True)
class Admission:
    """A call let through: its service, the rate limit's decision (None: the counter store
    was unreachable and the call not counted), and its key's kind."""

    service: Service
    rate_limit: RateLimitDecision | None
    # TEST keys write to the sandbox only (shared.domain.sandbox).
    key_kind: KeyKind = KeyKind.LIVE

    @property
    def is_test(self) -> bool:
        return self.key_kind is KeyKind.TEST

    def headers(self) -> dict[str, str]:
        """Headers every successful response of this call carries."""
        return {} if self.rate_limit is None else self.rate_limit.headers()


def admit_service(
    api_key: str | None,
    address: str | None,
    *,
    directory: CachedServiceDirectory,
    throttle: FailedAuthThrottle,
    rate_limiter: RateLimiter,
) -> Admission:
    """Steps 1 to 4 of the module's list, in that order, for a call with `api_key` from
    `address` (None: not known).

    Raises AuthenticationError, AuthThrottledError and RateLimitedError, ServiceDisabledError,
    ForbiddenError, StorageUnavailableError (the key's look-up).
    """
    caller = authenticate_caller(api_key, directory=directory, throttle=throttle, caller=address)
    service = caller.service
    bind(service_id=service.id)
    check_service_enabled(service)
    check_caller_address(service, address)
    decision = rate_limiter.enforce(service)
    return Admission(service, decision, key_kind=caller.kind)


@dataclass(frozen=True)
class BodyLimit:
    """The most bytes a message's body may have, and why, for the 413's detail."""

    max_bytes: int
    why: str


def message_body_limit(service: Service) -> BodyLimit:
    """Step 5: known from the sender, before the body is read; only a Premium service's body
    may be big enough to carry attachments."""
    limit = max_message_body_bytes(service.tier)
    why = "" if limit == MAX_MESSAGE_BODY_BYTES else " (attachments need a Premium contract)"
    return BodyLimit(limit, why)
