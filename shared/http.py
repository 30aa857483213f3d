"""The one table from errors to problem+json responses (RFC 9457), and JSON responses."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import azure.functions as func

from shared.domain.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ConcurrentUpdateError,
    NotFoundError,
    PostinoError,
    StorageUnavailableError,
    ValidationError,
)

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-Id"
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class ProblemType:
    status: int
    slug: str
    title: str

    @property
    def uri(self) -> str:
        return f"urn:postino:problem:{self.slug}"


VALIDATION = ProblemType(400, "validation-error", "Invalid request")
UNSUPPORTED_MEDIA = ProblemType(415, "unsupported-media-type", "Unsupported media type")
UNAUTHORIZED = ProblemType(401, "unauthorized", "Missing or invalid API key")
NOT_FOUND = ProblemType(404, "not-found", "Not found")
CONFLICT = ProblemType(409, "conflict", "Conflict")
UNAVAILABLE = ProblemType(503, "service-unavailable", "Service temporarily unavailable")
INTERNAL = ProblemType(500, "internal-error", "Internal error")

_BY_ERROR: dict[type[PostinoError], ProblemType] = {
    ValidationError: VALIDATION,
    AuthenticationError: UNAUTHORIZED,
    NotFoundError: NOT_FOUND,
    AlreadyExistsError: CONFLICT,
    ConcurrentUpdateError: CONFLICT,
    StorageUnavailableError: UNAVAILABLE,
}


def problem_type_of(error: PostinoError) -> ProblemType:
    for error_type in type(error).__mro__:
        if error_type in _BY_ERROR:
            return _BY_ERROR[error_type]
    return INTERNAL


def problem_response(
    problem: ProblemType, detail: str, *, request_id: str, extra: dict[str, Any] | None = None
) -> func.HttpResponse:
    body = {
        "type": problem.uri,
        "title": problem.title,
        "status": problem.status,
        "detail": detail,
        "instance": request_id,
        **(extra or {}),
    }
    headers = {REQUEST_ID_HEADER: request_id}
    if problem is UNAVAILABLE:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return func.HttpResponse(
        json.dumps(body), status_code=problem.status, headers=headers, mimetype=PROBLEM_JSON
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
    return problem_response(problem, str(error), request_id=request_id)


def json_response(
    body: Any, *, request_id: str, status: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body),
        status_code=status,
        headers={REQUEST_ID_HEADER: request_id, **(headers or {})},
        mimetype="application/json",
    )


def is_json_content_type(value: str | None) -> bool:
    """True for application/json and application/<anything>+json, with any parameters."""
    if value is None:
        return True  # IO accepts a body without a declared type; it must still be JSON.
    media_type = value.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def handle(
    req: func.HttpRequest, handler: Callable[[func.HttpRequest, str], func.HttpResponse]
) -> func.HttpResponse:
    """Run `handler` with a new request id; map domain errors to problems, and anything
    unexpected to a 500 problem without internals (the traceback goes to the log)."""
    request_id = uuid.uuid4().hex
    try:
        return handler(req, request_id)
    except PostinoError as error:
        problem = problem_type_of(error)
        logger.info("request %s answered %s: %s", request_id, problem.status, problem.slug)
        return error_response(error, request_id=request_id)
    except Exception:
        logger.exception("request %s failed unexpectedly", request_id)
        return problem_response(
            INTERNAL, "an unexpected error occurred; quote the instance id", request_id=request_id
        )
