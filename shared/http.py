"""The one table from errors to problem+json responses (RFC 9457), and JSON responses."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import azure.functions as func

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
