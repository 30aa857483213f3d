"""The func.HttpRequest the offline host builds for a function."""

from __future__ import annotations

from infra.local.offline_host.http_functions import to_http_request
from infra.local.offline_host.http_server import IncomingRequest


def _request(headers: list[tuple[str, str]]) -> IncomingRequest:
    return IncomingRequest(
        method="GET",
        path="/api/items/1",
        query="a=1",
        headers=headers,
        body=b"",
        client_address="203.0.113.9",
        host="127.0.0.1:7071",
    )


def test_the_callers_address_is_appended_to_x_forwarded_for_as_azure_does():
    request = to_http_request(_request([("X-Forwarded-For", "10.0.0.1")]), {"id": "1"})
    assert request.headers["x-forwarded-for"] == "10.0.0.1,203.0.113.9"


def test_a_request_without_x_forwarded_for_gets_the_callers_address():
    request = to_http_request(_request([]), {})
    assert request.headers["x-forwarded-for"] == "203.0.113.9"
