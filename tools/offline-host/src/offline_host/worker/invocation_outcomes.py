"""What an InvocationResponse means to the host: success or failure, an HTTP answer, outputs.

The library has already converted the function's return value and ``func.Out`` values to
TypedData; this turns them into what the host sends on: the HTTP reply, and the text or
bytes of each other output binding (a queue output with a list sends one message each).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime
from http import HTTPStatus

from offline_host.function_config import RETURN_BINDING

from .protocol import pb

OutputValue = str | bytes | tuple[str, ...] | tuple[bytes, ...]

_PLAIN_TEXT = "text/plain; charset=utf-8"
_SAME_SITE = {
    pb.RpcHttpCookie.Lax: "Lax",
    pb.RpcHttpCookie.Strict: "Strict",
    pb.RpcHttpCookie.ExplicitNone: "None",
}


@dataclass(frozen=True)
class HttpAnswer:
    """The reply to send: status, headers (``Set-Cookie`` ones included) and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class InvocationOutcome:
    """How an invocation ended; on failure, the library's message and stack trace."""

    invocation_id: str
    succeeded: bool
    error_message: str = ""
    stack_trace: str = ""
    http: HttpAnswer | None = None
    outputs: Mapping[str, OutputValue] = field(default_factory=dict)


def read_outcome(
    response: pb.InvocationResponse, *, http_output: str | None = None
) -> InvocationOutcome:
    """The outcome of ``response``; ``http_output`` names the function's http output binding.

    Raises ValueError when a value has a type no output binding takes (a bug, not a failure
    of the function: the library converts to these types only).
    """
    result = response.result
    if result.status != pb.StatusResult.Success:
        return InvocationOutcome(
            response.invocation_id,
            succeeded=False,
            error_message=result.exception.message or result.result,
            stack_trace=result.exception.stack_trace,
        )
    values: dict[str, pb.TypedData] = {
        binding.name: binding.data for binding in response.output_data
    }
    if response.HasField("return_value") and response.return_value.WhichOneof("data"):
        values[RETURN_BINDING] = response.return_value
    http_value = values.pop(http_output, None) if http_output else None
    return InvocationOutcome(
        response.invocation_id,
        succeeded=True,
        http=None if http_value is None else http_answer(http_value),
        outputs={name: output_value(data) for name, data in values.items()},
    )


def http_answer(data: pb.TypedData) -> HttpAnswer:
    """The reply for an http output: an RpcHttp, or a plain string (200, text/plain)."""
    kind = data.WhichOneof("data")
    if kind == "string":
        return HttpAnswer(HTTPStatus.OK, (("Content-Type", _PLAIN_TEXT),), data.string.encode())
    if kind != "http":
        raise ValueError(f"an http output holds {kind}, not an HTTP response")
    http = data.http
    headers = [*http.headers.items(), *(("Set-Cookie", _set_cookie(c)) for c in http.cookies)]
    status = int(http.status_code) if http.status_code else HTTPStatus.OK
    return HttpAnswer(status, tuple(headers), _body_bytes(http.body))


def output_value(data: pb.TypedData) -> OutputValue:
    """An output binding's value as the host sends it: JSON stays text, lists (a JSON array
    among them) are one item each."""
    kind = data.WhichOneof("data")
    if kind == "json":
        return _json_items(data.json)
    if kind == "string":
        return data.string
    if kind in ("bytes", "stream"):
        return bytes(getattr(data, kind))
    if kind in ("int", "double"):
        return str(getattr(data, kind))
    if kind == "collection_string":
        return tuple(data.collection_string.string)
    if kind == "collection_bytes":
        return tuple(data.collection_bytes.bytes)
    raise ValueError(f"an output binding holds {kind}, which no output binding takes")


def _json_items(text: str) -> str | tuple[str, ...]:
    """A JSON array is one item each (how the library sends a list), as the host's collector
    adds them: strings as themselves, anything else as its JSON text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if not isinstance(value, list):
        return text
    return tuple(item if isinstance(item, str) else json.dumps(item) for item in value)


def _body_bytes(body: pb.TypedData) -> bytes:
    kind = body.WhichOneof("data")
    if kind is None:
        return b""
    value = getattr(body, kind)
    return value.encode() if isinstance(value, str) else bytes(value)


def _set_cookie(cookie: pb.RpcHttpCookie) -> str:
    """The Set-Cookie value ASP.NET Core writes for the cookie the library describes."""
    parts = [f"{cookie.name}={cookie.value}"]
    if cookie.HasField("expires"):
        expires = cookie.expires.value.ToDatetime(tzinfo=UTC)
        parts.append(f"expires={format_datetime(expires, usegmt=True)}")
    if cookie.HasField("max_age"):
        parts.append(f"max-age={int(cookie.max_age.value)}")
    if cookie.HasField("domain"):
        parts.append(f"domain={cookie.domain.value}")
    if cookie.HasField("path"):
        parts.append(f"path={cookie.path.value}")
    if cookie.HasField("secure") and cookie.secure.value:
        parts.append("secure")
    if cookie.same_site in _SAME_SITE:
        parts.append(f"samesite={_SAME_SITE[cookie.same_site].lower()}")
    if cookie.HasField("http_only") and cookie.http_only.value:
        parts.append("httponly")
    return "; ".join(parts)
