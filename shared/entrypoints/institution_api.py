"""What every call of the institution API does first: authenticate the key, check the
caller's address, count the call against the service's rate limit; and reading bodies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import ip_address

import azure.functions as func

from shared.bootstrap import App
from shared.domain.api_keys import KeyKind
from shared.domain.entitlements import check_caller_address, check_service_enabled
from shared.domain.errors import PayloadTooLargeError, UnsupportedMediaTypeError
from shared.domain.rate_limit import RateLimitDecision
from shared.domain.service import Service
from shared.observability.log_context import bind
from shared.services.auth_failure_throttle import worker_throttle
from shared.services.authenticate import authenticate_caller

API_KEY_HEADER = "Ocp-Apim-Subscription-Key"
FORWARDED_FOR_HEADER = "X-Forwarded-For"
# The largest valid message (10 000 characters of Markdown, JSON-escaped) fits well within.
MAX_BODY_BYTES = 256 * 1024


@dataclass(frozen=True)
class InstitutionCall:
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


def client_ip(headers: Mapping[str, str]) -> str | None:
    """The caller's address: the last X-Forwarded-For entry, the one Azure's front end
    appends (entries before it come from the client and cannot be trusted)."""
    forwarded = headers.get(FORWARDED_FOR_HEADER, "")
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return None
    last = entries[-1]
    candidates = [last]
    if last.startswith("["):  # [IPv6]:port
        candidates.append(last[1:].split("]", 1)[0])
    elif last.count(":") == 1:  # IPv4:port
        candidates.append(last.split(":", 1)[0])
    for candidate in candidates:
        try:
            return str(ip_address(candidate))
        except ValueError:
            continue
    return None


def open_call(req: func.HttpRequest, app: App) -> InstitutionCall:
    """Authenticate (an address that keeps failing to is throttled), refuse a disabled
    service, check the caller's network, count the call.

    Raises AuthenticationError, ForbiddenError, RateLimitedError (AuthThrottledError for the
    address), StorageUnavailableError.
    """
    address = client_ip(req.headers)
    caller = authenticate_caller(
        req.headers.get(API_KEY_HEADER),
        directory=app.directory,
        throttle=worker_throttle(app.clock),
        caller=address,
    )
    service = caller.service
    bind(service_id=service.id)
    check_service_enabled(service)
    check_caller_address(service, address)
    decision = app.rate_limiter.enforce(service)
    return InstitutionCall(service, decision, key_kind=caller.kind)


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return True  # IO accepts a body without a declared type; it must still be JSON.
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def json_body(req: func.HttpRequest, max_bytes: int = MAX_BODY_BYTES, why: str = "") -> bytes:
    """The raw body of a JSON request, at most `max_bytes` long (`why` says why, in the
    413's detail). The limit is known before the body is looked at: a body declared (or
    found) too long is refused as it is, never parsed.

    Raises UnsupportedMediaTypeError, PayloadTooLargeError.
    """
    if not _is_json(req.headers.get("Content-Type")):
        raise UnsupportedMediaTypeError("send the body as application/json")
    too_large = f"the body must be at most {max_bytes} bytes{why}"
    declared = req.headers.get("Content-Length", "").strip().lstrip("0")
    # More digits than the limit has is over it (and never reaches int(), which refuses
    # numbers of thousands of digits).
    digits = declared.isascii() and declared.isdigit()
    if digits and (len(declared) > len(str(max_bytes)) or int(declared) > max_bytes):
        raise PayloadTooLargeError(too_large)
    body = req.get_body()
    if len(body) > max_bytes:
        raise PayloadTooLargeError(too_large)
    return body
