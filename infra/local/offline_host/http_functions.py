"""Serve HTTP-triggered functions: route, check the key, invoke, send the response back."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import CancelledError
from concurrent.futures import TimeoutError as FutureTimeoutError
from http import HTTPStatus
from urllib.parse import parse_qsl

import azure.functions as func

from .function_config import HttpTrigger
from .function_loader import LoadedFunction
from .http_keys import KEY_HEADER, HostKeys, presented_key
from .http_server import HttpReply, IncomingRequest
from .invoker import Invoker
from .routing import RouteTable

logger = logging.getLogger(__name__)

HTTP_REASON = "This function was programmatically called via the host APIs."


class HttpFunctions:
    """Answers requests for the routes of HTTP-triggered functions."""

    def __init__(
        self,
        routes: RouteTable,
        functions: Mapping[str, LoadedFunction],
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
        trigger = function.config.trigger
        if not isinstance(trigger, HttpTrigger):
            raise TypeError(f"{function.name} is not HTTP-triggered")
        key = presented_key(request.header(KEY_HEADER), request.query)
        if not self._keys.authorizes(trigger.auth_level, key):
            return HttpReply(HTTPStatus.UNAUTHORIZED)
        return self._invoke(function, to_http_request(request, match.values))

    def _invoke(self, function: LoadedFunction, request: func.HttpRequest) -> HttpReply:
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
        return to_reply(outcome.outputs.get(function.config.http_output or ""))


FORWARDED_FOR = "X-Forwarded-For"


def to_http_request(request: IncomingRequest, route_values: Mapping[str, str]) -> func.HttpRequest:
    """The ``func.HttpRequest`` a function receives.

    Repeated headers and query parameters are joined with ',' as the host's
    dictionaries of string values are. The caller's address is appended to
    X-Forwarded-For, as Azure's front end does, so the last entry is the one to trust.
    """
    headers = [*request.headers, (FORWARDED_FOR, request.client_address)]
    return func.HttpRequest(
        method=request.method,
        url=request.url,
        headers=_joined(headers, fold_case=True),
        params=_joined(parse_qsl(request.query, keep_blank_values=True)),
        route_params=dict(route_values),
        body=request.body,
    )


def to_reply(value: object) -> HttpReply:
    """The reply for a function's http output: a func.HttpResponse, a str, or unset (204)."""
    if value is None:
        return HttpReply(HTTPStatus.NO_CONTENT)
    if isinstance(value, str):
        return HttpReply(
            HTTPStatus.OK, [("Content-Type", "text/plain; charset=utf-8")], value.encode("utf-8")
        )
    if not isinstance(value, func.HttpResponse):
        raise TypeError(f"not an http output: {type(value).__name__}")
    headers = list(value.headers.items())
    if not any(name.lower() == "content-type" for name, _ in headers):
        # The same default as the worker's HttpResponse converter.
        content_type = value.mimetype
        if content_type.startswith("text/"):
            content_type = f"{content_type}; charset={value.charset}"
        headers.append(("Content-Type", content_type))
    return HttpReply(int(value.status_code), headers, value.get_body() or b"")


def _joined(pairs: list[tuple[str, str]], *, fold_case: bool = False) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower() if fold_case else name
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined
