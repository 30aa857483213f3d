"""`@entry_point("Name")`: what every function's handler runs in.

Every trigger runs in one invocation of the function (shared/observability/invocation.py:
the log context under the host's invocation id, a span, the "finished" line). An HTTP
request is also answered whatever happens: `shared.http.handle` gives it a request id, the
request budget, and maps errors to problem+json responses. Queue and timer triggers let
errors pass, so that the host retries them.

    @entry_point("CreateMessage")
    def create_message_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse: ...

    @entry_point("ProcessMessage")
    def process_message_entry(msg: func.QueueMessage) -> None: ...

A function folder's `main` stays a `def` whose parameters are named as its function.json
bindings (the worker checks the names), calling the decorated handler with the context:
`return create_message_entry(req, context)`.

It lives here, not in shared/observability, because it knows the Functions library's
request type and the HTTP error table; observability stays free of both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, overload

import azure.functions as func

from shared.http import handle
from shared.observability.invocation import HostContext, invoked

type HttpHandler = Callable[[func.HttpRequest, str], func.HttpResponse]


class HttpEntryPoint(Protocol):
    def __call__(
        self, req: func.HttpRequest, context: HostContext | None = None
    ) -> func.HttpResponse: ...


class TriggerEntryPoint[T](Protocol):
    def __call__(self, trigger: T, context: HostContext | None = None) -> None: ...


class _EntryPoint:
    def __init__(self, function: str) -> None:
        self.function = function

    @overload
    def __call__(self, handler: HttpHandler) -> HttpEntryPoint: ...

    @overload
    def __call__[T](self, handler: Callable[[T], None]) -> TriggerEntryPoint[T]: ...

    def __call__(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        function = self.function

        def run(trigger: object, context: HostContext | None = None) -> Any:
            with invoked(function, context):
                if isinstance(trigger, func.HttpRequest):
                    return handle(trigger, handler)
                return handler(trigger)

        # Named and documented as the handler, but with its own signature (no __wrapped__):
        # what inspect, and so the worker, would see is (trigger, context).
        run.__name__, run.__qualname__ = handler.__name__, handler.__qualname__
        run.__module__, run.__doc__ = handler.__module__, handler.__doc__
        return run


def entry_point(function: str) -> _EntryPoint:
    """Run the decorated handler as one invocation of `function` (its folder's name): an
    HTTP handler `(req, request_id) -> response` answered through shared.http's error
    table, a queue or timer handler `(trigger) -> None` with its errors passed on to the
    host. The result is called `(trigger, context=None)`; without a context (benchmarks,
    tests) the invocation gets a new id."""
    return _EntryPoint(function)
