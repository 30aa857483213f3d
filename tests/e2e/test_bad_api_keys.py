"""Over HTTP: a value that cannot be an API key is refused for what it is, and an address
that keeps presenting unknown keys gets 429 with Retry-After, while other addresses go on
as before.

The host appends the caller's address to X-Forwarded-For, as Azure's front end does, so a
test is an address of its own by connecting from one: any 127.x.y.z is this machine.
"""

from __future__ import annotations

import secrets
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from shared.domain.api_keys import generate_api_key
from shared.services.auth_failure_throttle import FAILURE_LIMIT, WINDOW_SECONDS
from tests.builders import random_fiscal_code
from tests.e2e.conftest import expect_problem, register_service

KEY_HEADER = "Ocp-Apim-Subscription-Key"


class _FromAddress(HTTPAdapter):
    """Connects from `address`: the host sees it as the caller's."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def _client() -> requests.Session:
    """A client of its own address (never 127.0.0.1, which the other tests share)."""
    address = f"127.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{2 + secrets.randbelow(250)}"
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
    return session


def _profile(host, client: requests.Session, key: str | None) -> requests.Response:
    headers = {} if key is None else {KEY_HEADER: key}
    return client.get(
        host.url(f"/api/v1/profiles/{random_fiscal_code()}"), headers=headers, timeout=10
    )


def test_a_value_that_cannot_be_a_key_is_a_401_saying_what_a_key_looks_like(offline_host):
    problem = expect_problem(_profile(offline_host, _client(), "my-api-key"), 401)
    assert "32 lowercase hexadecimal characters" in problem["detail"]


def test_an_address_that_keeps_presenting_unknown_keys_gets_429_and_others_do_not(
    offline_host, local_stack
):
    # GIVEN an address that presented FAILURE_LIMIT unknown keys
    client, other = _client(), _client()
    for _ in range(FAILURE_LIMIT):
        expect_problem(_profile(offline_host, client, generate_api_key()), 401)
    # WHEN it calls again with a key the host has not seen yet
    key = register_service(local_stack.settings)
    throttled = _profile(offline_host, client, key)
    # THEN it gets 429 with Retry-After, described by the RateLimit-* headers
    problem = expect_problem(throttled, 429)
    assert "unknown API key" in problem["detail"]
    assert 1 <= int(throttled.headers["Retry-After"]) <= WINDOW_SECONDS
    assert throttled.headers["RateLimit-Policy"] == f"{FAILURE_LIMIT};w={WINDOW_SECONDS}"
    # AND another address still gets 401 for an unknown key, and the valid key works from it
    expect_problem(_profile(offline_host, other, generate_api_key()), 401)
    assert _profile(offline_host, other, key).status_code in {200, 404}
