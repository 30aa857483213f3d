"""Build Functions trigger objects from the sample events in tests/events/."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

import azure.functions as func
from azure_functions_runtime_v1.bindings.context import Context
from azure_functions_runtime_v1.bindings.retrycontext import RetryContext, RpcException
from azure_functions_runtime_v1.bindings.tracecontext import TraceContext

EVENTS = Path(__file__).with_name("events")


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def http_request(
    name: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    substitutions: dict[str, str] | None = None,
) -> func.HttpRequest:
    """The event `name` as an HttpRequest; each key of `substitutions` found in the url,
    route parameters or headers is replaced by its value (e.g. a `{id}` placeholder, a
    fiscal code)."""
    event = load_event(name)
    text = json.dumps({k: event[k] for k in ("url", "route_params", "headers")})
    for key, value in (substitutions or {}).items():
        text = text.replace(key, value)
    resolved = json.loads(text)
    raw_body = body if body is not None else json.dumps(event["body"]).encode()
    return func.HttpRequest(
        event["method"],
        resolved["url"],
        headers={**resolved["headers"], **(headers or {})},
        params={},
        route_params=resolved["route_params"],
        body=b"" if event["body"] is None and body is None else raw_body,
    )


def function_context(function_name: str) -> func.Context:
    """The `context` argument the worker passes a function (the v1 worker library's own
    Context): a new invocation id, the name, no trace or retry."""
    context: func.Context = Context(
        function_name,
        function_name,
        str(uuid.uuid4()),
        threading.local(),
        TraceContext("", "", {}),
        RetryContext(0, 0, RpcException("", "", "")),
    )
    return context
