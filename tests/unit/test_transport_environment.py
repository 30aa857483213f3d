"""The SDK clients' transport reads the HTTP settings of the environment once, not per call,
and carries Cosmos DB's and the queues' calls over the direct wire, the others through
requests."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.pipeline.transport import HttpRequest, RequestsTransport

from shared.adapters.direct_http import DirectWire
from shared.adapters.transport import (
    POOL_CONNECTIONS,
    BudgetedTransport,
    Endpoint,
    environment_ca_bundle,
    reset_breakers,
)

_HTTP_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _HTTP_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    reset_breakers()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of each call the transport hands on, with `wire`: "direct" or
    "requests"."""
    calls: list[dict[str, Any]] = []

    def through_requests(self: RequestsTransport, request: object, **kwargs: Any) -> object:
        calls.append({**kwargs, "wire": "requests"})
        return object()

    def direct(self: DirectWire, request: object, **kwargs: Any) -> object:
        calls.append({"connection_verify": kwargs["verify"], "wire": "direct"})
        return object()

    monkeypatch.setattr(RequestsTransport, "send", through_requests)
    monkeypatch.setattr(DirectWire, "send", direct)
    return calls


def _opened(endpoint: Endpoint = Endpoint.COSMOS) -> BudgetedTransport:
    transport = BudgetedTransport(endpoint)
    transport.open()
    return transport


def test_without_a_proxy_the_session_does_not_read_the_environment_on_every_call() -> None:
    transport = _opened()
    assert transport.session is not None
    assert transport.session.trust_env is False


def test_with_a_proxy_the_session_trusts_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    transport = _opened()
    assert transport.session is not None
    assert transport.session.trust_env is True


def test_the_pool_keeps_a_connection_for_each_calling_thread() -> None:
    transport = _opened()
    assert transport.session is not None
    adapter = transport.session.get_adapter("https://cosmos.example")
    assert adapter._pool_maxsize == POOL_CONNECTIONS


def test_the_ca_bundle_named_by_the_environment_verifies_certificates(
    monkeypatch: pytest.MonkeyPatch, sent: list[dict[str, Any]]
) -> None:
    # GIVEN a CA bundle in the environment, as requests would read it
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/curl.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/requests.pem")
    assert environment_ca_bundle() == "/etc/ssl/requests.pem"
    transport = _opened()
    # WHEN a call verifies certificates (by default, or by asking) and one does not
    transport.send(HttpRequest("GET", "https://cosmos.example/"))
    transport.send(HttpRequest("GET", "https://cosmos.example/"), connection_verify=True)
    transport.send(HttpRequest("GET", "https://localhost:8081/"), connection_verify=False)
    # THEN the verifying calls use the bundle, and the other still verifies nothing
    assert [call.get("connection_verify") for call in sent] == [
        "/etc/ssl/requests.pem",
        "/etc/ssl/requests.pem",
        False,
    ]


def test_without_a_ca_bundle_calls_verify_as_asked(sent: list[dict[str, Any]]) -> None:
    transport = _opened()
    transport.send(HttpRequest("GET", "https://cosmos.example/"))
    transport.send(HttpRequest("GET", "https://localhost:8081/"), connection_verify=False)
    assert [call.get("connection_verify") for call in sent] == [True, False]


def test_cosmos_and_queue_calls_take_the_direct_wire_blob_calls_requests(
    sent: list[dict[str, Any]],
) -> None:
    for endpoint in (Endpoint.COSMOS, Endpoint.QUEUE, Endpoint.BLOB):
        _opened(endpoint).send(HttpRequest("GET", "https://storage.example/"))
    assert [call["wire"] for call in sent] == ["direct", "direct", "requests"]


def test_a_streamed_answer_goes_through_requests(sent: list[dict[str, Any]]) -> None:
    _opened(Endpoint.QUEUE).send(HttpRequest("GET", "https://storage.example/"), stream=True)
    assert [call["wire"] for call in sent] == ["requests"]


def test_behind_a_proxy_every_call_goes_through_requests(
    monkeypatch: pytest.MonkeyPatch, sent: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    _opened(Endpoint.COSMOS).send(HttpRequest("GET", "https://cosmos.example/"))
    assert [call["wire"] for call in sent] == ["requests"]
