"""Faults injected for real under the Azure SDKs: a transport that sends each request to the
real emulator and then, for the requests a rule picks, throws the answer away and raises
ServiceResponseError. The write truly lands; the code truly sees a lost reply.

    faults = FaultyTransport()
    container = cosmos_container(settings, ContainerName.API_KEYS, transport=faults)
    faults.lose_reply(cosmos_write("api-keys", "POST"))
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.pipeline.transport import RequestsTransport
from azure.cosmos import ContainerProxy, CosmosClient

from shared.adapters.cosmos_client import cosmos_credential
from shared.config import Settings
from shared.storage_layout import storage_layout

# What a rule looks at: the request's method, URL and headers.
RequestMatcher = Callable[[str, str, Mapping[str, str]], bool]
_UPSERT_HEADER = "x-ms-documentdb-is-upsert"
_QUERY_HEADER = "x-ms-documentdb-isquery"


def cosmos_write(
    container: str, method: str, document_id: str | None = None, *, upsert: bool = False
) -> RequestMatcher:
    """Cosmos writes of `method` to `container`: POST (a create, or with `upsert` an
    upsert), PUT (replace), PATCH, DELETE; only those naming `document_id` when given."""

    def matches(request_method: str, url: str, headers: Mapping[str, str]) -> bool:
        flags = {name.lower() for name, value in headers.items() if str(value).lower() == "true"}
        return (
            request_method == method
            and f"/colls/{container}/docs" in url
            and (document_id is None or url.rstrip("/").endswith(f"/docs/{document_id}"))
            and _QUERY_HEADER not in flags  # a query is a POST too
            and (method != "POST" or (_UPSERT_HEADER in flags) == upsert)
        )

    return matches


@dataclass
class _Rule:
    matches: RequestMatcher
    times: int
    sends: bool  # True: the request goes out and its reply is lost; False: never sent


class FaultyTransport(RequestsTransport):  # type: ignore[misc]  # untyped in azure-core
    """A requests transport to the real server that loses replies, or refuses to send,
    for the requests its rules pick (each rule for its next `times` matches)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        # (method, url) of every request a rule picked, in order.
        self.faulted: list[tuple[str, str]] = []

    def lose_reply(self, matches: RequestMatcher, times: int = 1) -> None:
        """Send the next `times` matching requests, then drop their answers."""
        with self._lock:
            self._rules.append(_Rule(matches, times, sends=True))

    def refuse(self, matches: RequestMatcher, times: int = 1) -> None:
        """Fail the next `times` matching requests without sending them."""
        with self._lock:
            self._rules.append(_Rule(matches, times, sends=False))

    def _rule_for(self, method: str, url: str, headers: Mapping[str, str]) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.times > 0 and rule.matches(method, url, headers):
                    rule.times -= 1
                    self.faulted.append((method, url))
                    return rule
        return None

    def send(self, request: Any, **kwargs: Any) -> Any:
        rule = self._rule_for(str(request.method).upper(), str(request.url), request.headers)
        if rule is not None and not rule.sends:
            raise ServiceRequestError("fault injected: the request was not sent")
        response = super().send(request, **kwargs)
        if rule is not None:
            raise ServiceResponseError("fault injected: the request landed, its reply was lost")
        return response


def cosmos_container(
    settings: Settings, container: str, *, transport: FaultyTransport
) -> ContainerProxy:
    """A client of one of the app's containers whose every request goes through
    `transport` (no SDK retries of its own: each fault reaches the code)."""
    client = CosmosClient(
        settings.cosmos_endpoint,
        credential=cosmos_credential(settings.cosmos_key),
        connection_verify=settings.cosmos_verify_tls,
        transport=transport,
        retry_total=0,
        retry_connect=0,
        retry_read=0,
    )
    return client.get_database_client(storage_layout().database).get_container_client(container)
