"""The HTTP edge every function shares: reading a request (its JSON body, into a model,
with the problem+json errors; the caller's address), the one table from errors to
problem+json responses (RFC 9457), and JSON responses."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any

import azure.functions as func
import pydantic

from shared.deadline import time_budget
from shared.domain.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ConcurrentUpdateError,
    ForbiddenError,
    IdempotencyMismatchError,
    MessageMaybeStoredError,
    NotFoundError,
    PayloadTooLargeError,
    PostinoError,
    RateLimitedError,
    ServiceDisabledError,
    StorageUnavailableError,
    TooLargeContentError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from shared.domain.validation import parse_json_model
from shared.observability.log_context import bind, note_status

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-Id"
# Every answer of the API, success or problem, is about one caller's data (a citizen's
# messages and download links, profiles, statuses) and must never be kept by a browser, a
# proxy or a CDN: each carries this, set here once for all routes.
NO_STORE = {"Cache-Control": "no-store"}
RETRY_AFTER_SECONDS = 5
# Every remote call an HTTP request makes fits in this, so that it is answered (201, or a
# 503 with Retry-After) within 5 s even while a store is down (docs/reliability.md).
REQUEST_BUDGET_SECONDS = 4.0
FORWARDED_FOR_HEADER = "X-Forwarded-For"
# The largest valid message (10 000 characters of Markdown, JSON-escaped) fits well within.
MAX_BODY_BYTES = 256 * 1024


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


def json_model[ModelT: pydantic.BaseModel](
    req: func.HttpRequest, model: type[ModelT], max_bytes: int = MAX_BODY_BYTES
) -> ModelT:
    """The JSON body of `req` (json_body) parsed and validated into `model`.

    Raises UnsupportedMediaTypeError, PayloadTooLargeError, ValidationError (every invalid
    field, each with a JSON pointer).
    """
    return parse_json_model(model, json_body(req, max_bytes))


@dataclass(frozen=True)
class ProblemType:
    status: int
    slug: str
    title: str

    @property
    def uri(self) -> str:
        return f"urn:postino:problem:{self.slug}"


VALIDATION = ProblemType(400, "validation-error", "Invalid request")
UNAUTHORIZED = ProblemType(401, "unauthorized", "Missing or invalid API key")
FORBIDDEN = ProblemType(403, "forbidden", "Not allowed for this service")
SERVICE_DISABLED = ProblemType(403, "service-disabled", "Service disabled")
NOT_FOUND = ProblemType(404, "not-found", "Not found")
CONFLICT = ProblemType(409, "conflict", "Conflict")
TOO_LARGE = ProblemType(413, "payload-too-large", "Request body too large")
UNSUPPORTED_MEDIA = ProblemType(415, "unsupported-media-type", "Unsupported media type")
KEY_REUSED = ProblemType(422, "idempotency-key-reused", "Idempotency-Key reused")
TOO_MANY = ProblemType(429, "too-many-requests", "Too many requests")
UNAVAILABLE = ProblemType(503, "service-unavailable", "Service temporarily unavailable")
OUTCOME_UNKNOWN = ProblemType(503, "outcome-unknown", "Outcome unknown, retry to learn it")
INTERNAL = ProblemType(500, "internal-error", "Internal error")

_BY_ERROR: dict[type[PostinoError], ProblemType] = {
    TooLargeContentError: TOO_LARGE,
    ValidationError: VALIDATION,
    AuthenticationError: UNAUTHORIZED,
    ServiceDisabledError: SERVICE_DISABLED,
    ForbiddenError: FORBIDDEN,
    NotFoundError: NOT_FOUND,
    AlreadyExistsError: CONFLICT,
    ConcurrentUpdateError: CONFLICT,
    PayloadTooLargeError: TOO_LARGE,
    UnsupportedMediaTypeError: UNSUPPORTED_MEDIA,
    IdempotencyMismatchError: KEY_REUSED,
    RateLimitedError: TOO_MANY,
    StorageUnavailableError: UNAVAILABLE,
    MessageMaybeStoredError: OUTCOME_UNKNOWN,
}


def problem_type_of(error: PostinoError) -> ProblemType:
    for error_type in type(error).__mro__:
        if error_type in _BY_ERROR:
            return _BY_ERROR[error_type]
    return INTERNAL


def problem_response(
    problem: ProblemType,
    detail: str,
    *,
    request_id: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> func.HttpResponse:
    body = {
        "type": problem.uri,
        "title": problem.title,
        "status": problem.status,
        "detail": detail,
        "instance": request_id,
        **(extra or {}),
    }
    all_headers = {**NO_STORE, REQUEST_ID_HEADER: request_id, **(headers or {})}
    if problem.status == UNAVAILABLE.status:
        all_headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return func.HttpResponse(
        json.dumps(body), status_code=problem.status, headers=all_headers, mimetype=PROBLEM_JSON
    )


def error_response(error: PostinoError, *, request_id: str) -> func.HttpResponse:
    problem = problem_type_of(error)
    if isinstance(error, ValidationError):
        errors = [
            {"code": item.code, "detail": item.detail, "pointer": item.pointer}
            for item in error.errors
        ]
        detail = "; ".join(f"{item.pointer or '/'}: {item.detail}" for item in error.errors)
        return problem_response(problem, detail, request_id=request_id, extra={"errors": errors})
    if isinstance(error, ForbiddenError) and error.pointer is not None:
        errors = [{"code": "forbidden", "detail": str(error), "pointer": error.pointer}]
        return problem_response(
            problem, str(error), request_id=request_id, extra={"errors": errors}
        )
    if isinstance(error, RateLimitedError):
        headers = {**error.headers, "Retry-After": str(error.retry_after)}
        return problem_response(problem, str(error), request_id=request_id, headers=headers)
    if isinstance(error, MessageMaybeStoredError):
        extra = {"message_id": error.message_id}
        return problem_response(problem, str(error), request_id=request_id, extra=extra)
    return problem_response(problem, str(error), request_id=request_id)


def json_response(
    body: Any, *, request_id: str, status: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body),
        status_code=status,
        headers={**NO_STORE, REQUEST_ID_HEADER: request_id, **(headers or {})},
        mimetype="application/json",
    )


def handle(
    req: func.HttpRequest, handler: Callable[[func.HttpRequest, str], func.HttpResponse]
) -> func.HttpResponse:
    """Run `handler` with a new request id; map domain errors to problems, and anything
    unexpected to a 500 problem without internals (the traceback goes to the log)."""
    request_id = uuid.uuid4().hex
    bind(request_id=request_id)
    try:
        with time_budget(REQUEST_BUDGET_SECONDS):
            response = handler(req, request_id)
        # Successes are traced by the use cases' own lines and the invocation's
        # "finished" line, which carries the status.
        note_status(response.status_code)
        return response
    except PostinoError as error:
        problem = problem_type_of(error)
        note_status(problem.status)
        logger.info("request %s answered %s: %s", request_id, problem.status, problem.slug)
        return error_response(error, request_id=request_id)
    except Exception:
        note_status(INTERNAL.status)
        logger.exception("request %s failed unexpectedly", request_id)
        return problem_response(
            INTERNAL, "an unexpected error occurred; quote the instance id", request_id=request_id
        )
