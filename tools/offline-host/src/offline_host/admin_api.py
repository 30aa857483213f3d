"""The admin endpoints Core Tools offers locally.

``GET /admin/host/status`` reports the state; ``POST /admin/functions/{name}`` with an
optional ``{"input": "..."}`` body runs a non-HTTP function now and answers 202. Every call
needs the master key, from loopback too: any local process (a browser page's script among
them) could otherwise run the app's timers and queue functions with input of its choosing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from .function_config import AuthLevel, FunctionConfig, HttpTrigger, QueueTrigger
from .host_status import HostStatus
from .http_keys import KEY_HEADER, HostKeys, presented_key
from .http_server import HttpReply, IncomingRequest
from .invoker import Invoker, TimerFiring, TriggerInput
from .queue_delivery import QueueDelivery

ADMIN_PREFIX = "/admin/"
ADMIN_REASON = "This function was programmatically called via the host APIs."
_JSON = [("Content-Type", "application/json; charset=utf-8")]
_QUEUE_MESSAGE_TTL = timedelta(days=7)


class AdminApi:
    """Answers requests under /admin/."""

    def __init__(
        self,
        functions: Mapping[str, FunctionConfig],
        invoker: Invoker,
        status: HostStatus,
        keys: HostKeys,
    ) -> None:
        self._functions = {name.lower(): function for name, function in functions.items()}
        self._invoker = invoker
        self._status = status
        self._keys = keys

    def handle(self, request: IncomingRequest) -> HttpReply:
        """200/202 for the known endpoints, 400 for bad input, 401 without the master key,
        404 for an unknown endpoint or function."""
        key = presented_key(request.header(KEY_HEADER), request.query)
        if not self._keys.authorizes(AuthLevel.ADMIN, key):
            return HttpReply(HTTPStatus.UNAUTHORIZED)
        path = request.path.rstrip("/").lower()
        if path == "/admin/host/status" and request.method in ("GET", "HEAD"):
            return HttpReply(HTTPStatus.OK, _JSON, json.dumps(self._status.as_json()).encode())
        prefix = "/admin/functions/"
        if path.startswith(prefix) and request.method == "POST":
            return self._invoke(path[len(prefix) :], request.body)
        return HttpReply(HTTPStatus.NOT_FOUND)

    def _invoke(self, name: str, body: bytes) -> HttpReply:
        function = self._functions.get(name)
        if function is None:
            return HttpReply(HTTPStatus.NOT_FOUND)
        if isinstance(function.trigger, HttpTrigger):
            return _problem(HTTPStatus.BAD_REQUEST, "call an HTTP-triggered function on its route")
        try:
            document = json.loads(body) if body.strip() else {}
        except ValueError:
            return _problem(HTTPStatus.BAD_REQUEST, 'the body must be JSON like {"input": "..."}')
        if not isinstance(document, dict):
            return _problem(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        raw_input = document.get("input", "")
        if not isinstance(raw_input, str):
            raw_input = json.dumps(raw_input)  # a JSON value as input arrives as its text
        trigger_input = _trigger_input(function, raw_input)
        try:
            self._invoker.submit(function, trigger_input, ADMIN_REASON)
        except RuntimeError:
            return HttpReply(HTTPStatus.SERVICE_UNAVAILABLE)
        return HttpReply(HTTPStatus.ACCEPTED)


def _trigger_input(function: FunctionConfig, raw_input: str) -> TriggerInput:
    if isinstance(function.trigger, QueueTrigger):
        now = datetime.now(UTC)
        return QueueDelivery(
            id=str(uuid.uuid4()),
            body=raw_input.encode("utf-8"),
            dequeue_count=1,
            insertion_time=now,
            expiration_time=now + _QUEUE_MESSAGE_TTL,
            time_next_visible=now,
        )
    return TimerFiring(past_due=False)


def _problem(status: HTTPStatus, detail: str) -> HttpReply:
    body = json.dumps({"status": int(status), "detail": detail}).encode()
    return HttpReply(status, [("Content-Type", "application/problem+json")], body)
