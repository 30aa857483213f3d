"""The request the offline host sends the worker for an HTTP call (built as Azure's host does)."""

from __future__ import annotations

from offline_host.http_functions import http_call
from offline_host.http_server import IncomingRequest
from offline_host.worker.invocation_requests import http_invocation
from offline_host.worker.protocol import pb


def _request(headers: list[tuple[str, str]], query: str = "a=1") -> IncomingRequest:
    return IncomingRequest(
        method="GET",
        path="/api/items/1",
        query=query,
        headers=headers,
        body=b"",
        client_address="203.0.113.9",
        host="127.0.0.1:7071",
    )


def _sent(request: IncomingRequest, route_values: dict[str, str]) -> pb.RpcHttp:
    call = http_call(request, route_values)
    invocation = http_invocation(
        function_id="Fn",
        function_name="Fn",
        binding_name="req",
        method=call.method,
        url=call.url,
        headers=call.headers,
        body=call.body,
        route_params=call.route_params,
    )
    return invocation.input_data[0].data.http


def test_the_callers_address_is_appended_to_x_forwarded_for_as_azure_does():
    http = _sent(_request([("X-Forwarded-For", "10.0.0.1")]), {"id": "1"})
    assert http.headers["x-forwarded-for"] == "10.0.0.1,203.0.113.9"
    assert dict(http.params) == {"id": "1"}


def test_a_request_without_x_forwarded_for_gets_the_callers_address():
    assert _sent(_request([]), {}).headers["x-forwarded-for"] == "203.0.113.9"


def test_the_url_keeps_the_raw_query_but_empty_values_are_not_parameters():
    http = _sent(_request([], query="page_size=&a=1&a=2"), {})
    assert http.url == "http://127.0.0.1:7071/api/items/1?page_size=&a=1&a=2"
    assert dict(http.query) == {"a": "1,2"}
