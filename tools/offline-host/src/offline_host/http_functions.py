"""Serve HTTP-triggered functions: route, check the key, invoke, send the response back."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import CancelledError
from concurrent.futures import TimeoutError as FutureTimeoutError
from http import HTTPStatus

from .function_config import FunctionConfig, HttpTrigger
from .http_keys import KEY_HEADER, HostKeys, presented_key
from .http_server import HttpReply, IncomingRequest
from .invoker import HttpCall, Invoker
from .routing import RouteTable
from .worker.invocation_outcomes import HttpAnswer

logger = logging.getLogger(__name__)

HTTP_REASON = "This function was programmatically called via the host APIs."


class HttpFunctions:
    """Answers requests for the routes of HTTP-triggered functions."""

    def __init__(
        self,
        routes: RouteTable,
        functions: Mapping[str, FunctionConfig],
        keys: HostKeys,
        invoker: Invoker,
    ) -> None:
        self._routes = routes
        self._functions = functions
        self._keys = keys
        self._invoker = invoker
        timeout = invoker.function_timeout
        self._wait_seconds = timeout.total_seconds() if timeout is not None else None

    def handle(self, request: IncomingRequest) -> HttpReply:
        """404 for no route, 401 for a missing or wrong key, 500 when the function fails."""
        match = self._routes.match(request.method, request.path)
        if match is None:
            return HttpReply(HTTPStatus.NOT_FOUND)
        function = self._functions[match.route.function_name]
        trigger = function.trigger
        if not isinstance(trigger, HttpTrigger):
            raise TypeError(f"{function.name} is not HTTP-triggered")
        key = presented_key(request.header(KEY_HEADER), request.query)
        if not self._keys.authorizes(trigger.auth_level, key):
            return HttpReply(HTTPStatus.UNAUTHORIZED)
        return self._invoke(function, http_call(request, match.values))

    def _invoke(self, function: FunctionConfig, request: HttpCall) -> HttpReply:
        try:
            outcome = self._invoker.submit(function, request, HTTP_REASON).result(
                timeout=self._wait_seconds
            )
        except FutureTimeoutError:
            return HttpReply(HTTPStatus.INTERNAL_SERVER_ERROR)
        except (RuntimeError, CancelledError):  # the host is stopping
            return HttpReply(HTTPStatus.SERVICE_UNAVAILABLE)
        if not outcome.succeeded:
            return HttpReply(HTTPStatus.INTERNAL_SERVER_ERROR)
        return to_reply(outcome.http)


FORWARDED_FOR = "X-Forwarded-For"


def http_call(request: IncomingRequest, route_values: Mapping[str, str]) -> HttpCall:
    """What the worker is sent for ``request``.

    The caller's address is appended to X-Forwarded-For, as Azure's front end does, so the
    last entry is the one to trust. The request is then built as the real host builds it
    (``worker/invocation_requests.py``): no body unless Content-Length is above 0.
    """
    return HttpCall(
        method=request.method,
        url=request.url,
        headers=(*request.headers, (FORWARDED_FOR, request.client_address)),
        body=request.body,
        route_params=dict(route_values),
    )


# Response headers the real host's server (Kestrel) knows, by their lower-case names: it
# writes these in their usual spelling whatever the worker sent (the worker library sends
# the Content-Type it adds as "content-type"); any other name goes out as the function set it.
_KNOWN_HEADERS = {
    name.lower(): name
    for name in (
        "Cache-Control",
        "Content-Disposition",
        "Content-Encoding",
        "Content-Language",
        "Content-Length",
        "Content-Location",
        "Content-Type",
        "ETag",
        "Expires",
        "Last-Modified",
        "Location",
        "Retry-After",
        "Set-Cookie",
        "Vary",
        "WWW-Authenticate",
    )
}


def to_reply(answer: HttpAnswer | None) -> HttpReply:
    """The reply for a function's http output; unset, 204.

    The worker library already added the Content-Type a ``func.HttpResponse`` defaults to.
    """
    if answer is None:
        return HttpReply(HTTPStatus.NO_CONTENT)
    headers = [(_KNOWN_HEADERS.get(name.lower(), name), value) for name, value in answer.headers]
    return HttpReply(answer.status, headers, answer.body)
