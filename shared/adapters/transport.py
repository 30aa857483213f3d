"""The HTTP transport every Azure SDK client of the app uses: the one place where the time
a remote call may take is decided.

Each kind of endpoint has a budget (connect and read timeouts, and the SDK's own retries,
configured where its clients are built). A call is also cut short at the deadline of the
invocation's time budget (`shared.deadline`), and refused at once, never sent, when that
budget is spent or the endpoint's circuit breaker is open. A call that is refused this way
raises ServiceRequestError, which the SDKs and the adapters take as "nothing was sent".

That holds for a whole call, not only its last attempt, because of what the SDKs retry: the
Cosmos SDK retries a write only after an attempt that was surely not carried out (no
connection, 429, 449, 503), never after a lost reply or a timeout; the storage SDKs retry
queue sends and blob writes after anything, and those are harmless to repeat (a second
reference to a message, the same bytes under the same blob name).

Cosmos DB's and the queues' calls are carried straight over http.client
(`shared.adapters.direct_http`); Blob's, and any call through a proxy, through requests.
"""

from __future__ import annotations

import os
import threading
import urllib.request
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import requests
from azure.core.exceptions import (
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest

from shared import deadline
from shared.adapters.circuit_breaker import CircuitBreaker
from shared.adapters.direct_http import DirectWire


class Endpoint(StrEnum):
    """The kinds of remote endpoint the app calls; each has one breaker per process."""

    COSMOS = "cosmos"
    QUEUE = "queue"
    BLOB = "blob"


@dataclass(frozen=True)
class CallBudget:
    """How long one attempt of a call may take, and how often the SDK may retry it."""

    connect_seconds: float
    read_seconds: float
    retries: int
    backoff_seconds: float


# Point reads and writes answer in milliseconds in Azure (and well under a second on the
# emulators, even under load): a read timeout of 2 s means the endpoint is stuck. Retries
# are few and quick: a caller with a deadline has a few seconds in all, and a queue or timer
# function is retried by the host. A call may ask for a longer read timeout (a query that
# scans: the sweeper's). See docs/reliability.md, "Time budgets".
BUDGETS: dict[Endpoint, CallBudget] = {
    Endpoint.COSMOS: CallBudget(connect_seconds=1, read_seconds=2, retries=2, backoff_seconds=0.2),
    Endpoint.QUEUE: CallBudget(connect_seconds=1, read_seconds=2, retries=2, backoff_seconds=0.2),
    # Attachments go up in blocks of a few MiB: a longer read timeout per attempt.
    Endpoint.BLOB: CallBudget(connect_seconds=1, read_seconds=10, retries=2, backoff_seconds=0.2),
}

# Connections each client keeps open per host: at least the threads that call at once
# (PYTHON_THREADPOOL_THREAD_COUNT, plus the app's own background threads). requests keeps
# 10 by default; every call beyond that opens a new TLS connection and throws it away.
POOL_CONNECTIONS = 64
# Where requests looks for a CA bundle in the environment, in its order.
_REQUESTS_CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")

# The endpoints whose calls are small and read whole: carried by the direct wire. Blob's
# go up and come down in blocks, streamed, through requests.
DIRECT_ENDPOINTS = frozenset({Endpoint.COSMOS, Endpoint.QUEUE})

# A call is not worth starting with less time than this left in the budget.
MIN_CALL_SECONDS = 0.05
# Only a timeout this long says the endpoint is stuck (a short one may be a slow answer
# cut by the caller's deadline).
MIN_TRIPPING_TIMEOUT = 1.0

_breakers: dict[Endpoint, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker(endpoint: Endpoint) -> CircuitBreaker:
    """The process's breaker for this kind of endpoint."""
    with _breakers_lock:
        if endpoint not in _breakers:
            _breakers[endpoint] = CircuitBreaker()
        return _breakers[endpoint]


def reset_breakers() -> None:
    """Close every breaker (tests; a process starts with all closed)."""
    with _breakers_lock:
        _breakers.clear()


class BudgetedTransport(RequestsTransport):  # type: ignore[misc]  # untyped in azure-core
    """A requests transport that applies an endpoint's budget, the invocation's deadline and
    the endpoint's circuit breaker to every attempt of every call."""

    def __init__(self, endpoint: Endpoint, **kwargs: Any) -> None:
        # What requests would read from the environment on every call, read once here:
        # a proxy makes the session trust the environment (per call, as requests does);
        # a CA bundle is applied by `send` itself.
        proxied = bool(urllib.request.getproxies())
        kwargs.setdefault("use_env_settings", proxied)
        super().__init__(**kwargs)
        self._ca_bundle = environment_ca_bundle()
        self._endpoint = endpoint
        self._direct = (
            None
            if proxied or endpoint not in DIRECT_ENDPOINTS
            else DirectWire(pool_size=POOL_CONNECTIONS, ca_bundle=self._ca_bundle)
        )
        self._budget = BUDGETS[endpoint]
        # Per thread: whether this thread's last attempt was refused here, unsent.
        self._refused = threading.local()

    def _init_session(self, session: requests.Session) -> None:
        super()._init_session(session)
        # The SDK's adapter (its class, its retries: none), with a pool that holds a
        # connection for each thread that calls at once.
        mounted = session.get_adapter("https://")
        if not isinstance(mounted, requests.adapters.HTTPAdapter):
            return
        adapter = type(mounted)(pool_maxsize=POOL_CONNECTIONS, max_retries=mounted.max_retries)
        for prefix in ("http://", "https://"):
            session.mount(prefix, adapter)

    def _refuse(self, why: str) -> ServiceRequestError:
        self._refused.last = True
        return ServiceRequestError(f"{self._endpoint} not called: {why}")

    def sleep(self, duration: float) -> None:
        """The SDKs' retry policies wait here between attempts. After an attempt refused
        unsent (budget spent, breaker open) the next one is refused at once as well, or is
        the breaker's probe: waiting would only hold the caller's thread."""
        if getattr(self._refused, "last", False):
            self._refused.last = False
            return
        super().sleep(duration)

    def _timeouts(self, kwargs: dict[str, Any]) -> tuple[float, float]:
        # The clients are built with the budget's timeouts, so the SDK asks for them unless
        # the call asked for others.
        connect = _seconds(kwargs.pop("connection_timeout", None), self._budget.connect_seconds)
        read = _seconds(kwargs.pop("read_timeout", None), self._budget.read_seconds)
        left = deadline.remaining()
        if left is not None:
            if left < MIN_CALL_SECONDS:
                raise self._refuse("the invocation's time budget is spent")
            connect, read = min(connect, left), min(read, left)
        return connect, read

    def send(self, request: HttpRequest | LegacyHttpRequest, **kwargs: Any) -> Any:
        self._refused.last = False
        connect, read = self._timeouts(kwargs)
        if self._ca_bundle and kwargs.get("connection_verify", True) is True:
            kwargs["connection_verify"] = self._ca_bundle
        gate = breaker(self._endpoint)
        if not gate.allow():
            raise self._refuse("it kept timing out, trying again shortly")
        try:
            response = self._carry(request, connect, read, kwargs)
        except (ServiceRequestTimeoutError, ServiceResponseTimeoutError):
            if min(connect, read) >= MIN_TRIPPING_TIMEOUT:
                gate.record_timeout()
            else:
                gate.record_failure()
            raise
        except (ServiceRequestError, ServiceResponseError):
            gate.record_failure()
            raise
        gate.record_answer()
        return response

    def _carry(
        self,
        request: HttpRequest | LegacyHttpRequest,
        connect: float,
        read: float,
        kwargs: dict[str, Any],
    ) -> Any:
        if self._direct is not None and self._direct.carries(request, kwargs):
            verify = kwargs.get("connection_verify", self.connection_config.verify)
            return self._direct.send(
                request, connect_seconds=connect, read_seconds=read, verify=verify
            )
        return super().send(request, connection_timeout=connect, read_timeout=read, **kwargs)

    def close(self) -> None:
        if self._direct is not None:
            self._direct.close()
        super().close()


def environment_ca_bundle() -> str | None:
    """The CA bundle the environment names for requests (REQUESTS_CA_BUNDLE, then
    CURL_CA_BUNDLE), which a call that verifies certificates uses, as requests would.

    The transports read it once: a session that trusts the environment reads it, with the
    proxy variables and ~/.netrc, on every call (about a twentieth of a call's CPU).
    """
    return next((value for name in _REQUESTS_CA_VARIABLES if (value := os.environ.get(name))), None)


def _seconds(asked: object, default: float) -> float:
    return float(asked) if isinstance(asked, int | float) and asked > 0 else default


def storage_retry_options(budget: CallBudget) -> dict[str, Any]:
    """The storage SDKs' LinearRetry for a budget: a few quick retries. (Their default,
    exponential from 15 s, holds a call for over a minute during an outage.) Fractions of
    a second work: the SDK draws each wait with random.uniform."""
    return {
        "backoff": budget.backoff_seconds,
        "random_jitter_range": budget.backoff_seconds / 2,
        "retry_total": budget.retries,
    }


def storage_client_options(endpoint: Endpoint) -> dict[str, Any]:
    """The transport and timeouts of a storage SDK client (queues, Blob); its retry policy
    is the caller's, from `storage_retry_options`."""
    budget = BUDGETS[endpoint]
    return {
        "transport": budgeted_transport(endpoint),
        "connection_timeout": budget.connect_seconds,
        "read_timeout": budget.read_seconds,
    }


def budgeted_transport(endpoint: Endpoint) -> BudgetedTransport:
    """A new transport (its own connection pool) for one SDK client."""
    return BudgetedTransport(endpoint)
