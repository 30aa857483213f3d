"""Every answer of the API, success or problem, tells browsers and proxies not to keep it."""

from __future__ import annotations

import azure.functions as func
import pytest

from shared.domain.errors import (
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    StorageUnavailableError,
    ValidationError,
)
from shared.http import handle, json_response


@pytest.mark.parametrize(
    "error",
    [
        ValidationError([]),
        NotFoundError("no such message"),
        PayloadTooLargeError("too big"),
        RateLimitedError(5, {"RateLimit-Limit": "150"}),
        StorageUnavailableError("down"),
        RuntimeError("a bug"),
    ],
)
def test_problems_are_not_to_be_stored(error):
    def fail(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
        raise error

    request = func.HttpRequest("GET", "http://localhost/api/v1/x", body=b"")
    response = handle(request, fail)
    assert response.headers["Cache-Control"] == "no-store"


def test_json_answers_are_not_to_be_stored_whatever_else_they_carry():
    response = json_response({"id": "x"}, request_id="r", status=201, headers={"Location": "/x"})
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Location"] == "/x"
