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
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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
        super().__init__(**kwargs)
        self._endpoint = endpoint
        self._budget = BUDGETS[endpoint]
        # Per thread: whether this thread's last attempt was refused here, unsent.
        self._refused = threading.local()

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
        gate = breaker(self._endpoint)
        if not gate.allow():
            raise self._refuse("it kept timing out, trying again shortly")
        try:
            response = super().send(
                request, connection_timeout=connect, read_timeout=read, **kwargs
            )
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
