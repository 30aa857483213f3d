"""InvocationRequests as the Functions host (4.x) builds them for the Python worker.

What the real host sends is what the library's converters were written for, so each quirk
below is copied on purpose (from azure-functions-host's ToRpcHttp and the WebJobs queue and
timer extensions, for the capabilities azure-functions-runtime-v1 announces: RawHttpBodyBytes,
RpcHttpBodyOnly, RpcHttpTriggerMetadataRemoved, TypedDataCollection):

- HTTP: header names lower-cased, repeated headers (and query keys) joined with ","; query
  keys whose value is empty dropped; a body only when Content-Length is above 0 (a chunked
  request reaches the function with no body) and then always as bytes.
- Queue: the message text (bytes for ``dataType: binary``); trigger metadata ``DequeueCount``
  as JSON, ``Id``, ``PopReceipt`` and ``QueueTrigger`` as strings, the times as JSON strings.
- Timer: Newtonsoft's TimerInfo JSON.

The builders take what the host's HTTP server, queue listener and scheduler have, never
azure.functions objects: converting to those is the library's job.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from offline_host.queue_delivery import QueueDelivery

from .protocol import pb


def http_invocation(
    *,
    function_id: str,
    function_name: str,
    binding_name: str,
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    route_params: Mapping[str, str],
    invocation_id: str | None = None,
) -> pb.InvocationRequest:
    """The request for one HTTP call; ``url`` is the full URL, query string included."""
    joined_headers = _joined((name.lower(), value) for name, value in headers)
    query = url.partition("?")[2]
    http = pb.RpcHttp(
        method=method.upper(),
        url=url,
        headers=joined_headers,
        query={
            key: value
            for key, value in _joined(parse_qsl(query, keep_blank_values=True)).items()
            if value
        },
        params=dict(route_params),
    )
    if body and _content_length(joined_headers) > 0:
        http.body.bytes = body
    return _invocation(
        function_id, function_name, binding_name, pb.TypedData(http=http), invocation_id
    )


def queue_invocation(
    *,
    function_id: str,
    function_name: str,
    binding_name: str,
    delivery: QueueDelivery,
    binary: bool = False,
    invocation_id: str | None = None,
) -> pb.InvocationRequest:
    """The request for one queue message; ``binary`` when the trigger's dataType is binary."""
    # .NET's UTF-8 decoding replaces what is not UTF-8 rather than failing.
    text = delivery.body.decode("utf-8", errors="replace")
    data = pb.TypedData(bytes=delivery.body) if binary else pb.TypedData(string=text)
    request = _invocation(function_id, function_name, binding_name, data, invocation_id)
    metadata = request.trigger_metadata
    metadata["QueueTrigger"].string = text
    metadata["Id"].string = delivery.id
    metadata["DequeueCount"].json = json.dumps(delivery.dequeue_count)
    if delivery.pop_receipt is not None:
        metadata["PopReceipt"].string = delivery.pop_receipt
    for key, moment in (
        ("InsertionTime", delivery.insertion_time),
        ("ExpirationTime", delivery.expiration_time),
        ("NextVisibleTime", delivery.time_next_visible),
    ):
        if moment is not None:
            metadata[key].json = json.dumps(_iso(moment))
    return request


def timer_invocation(
    *,
    function_id: str,
    function_name: str,
    binding_name: str,
    past_due: bool,
    last: datetime | None = None,
    next_occurrence: datetime | None = None,
    last_updated: datetime | None = None,
    invocation_id: str | None = None,
) -> pb.InvocationRequest:
    """The request for one timer occurrence; ``last`` None means no schedule status yet."""
    status = (
        None
        if last is None
        else {
            "Last": _iso(last),
            "Next": _iso(next_occurrence) if next_occurrence else None,
            "LastUpdated": _iso(last_updated) if last_updated else None,
        }
    )
    info = {"Schedule": {"AdjustForDST": True}, "ScheduleStatus": status, "IsPastDue": past_due}
    return _invocation(
        function_id,
        function_name,
        binding_name,
        pb.TypedData(json=json.dumps(info)),
        invocation_id,
    )


def _invocation(
    function_id: str,
    function_name: str,
    binding_name: str,
    data: pb.TypedData,
    invocation_id: str | None,
) -> pb.InvocationRequest:
    request = pb.InvocationRequest(
        invocation_id=invocation_id or str(uuid.uuid4()),
        function_id=function_id,
        input_data=[pb.ParameterBinding(name=binding_name, data=data)],
        # The real host always sends its activity's W3C traceparent; a fresh one per invocation.
        trace_context=pb.RpcTraceContext(
            trace_parent=f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"
        ),
        retry_context=pb.RetryContext(),
    )
    system = {
        "MethodName": function_name,
        "UtcNow": _iso(datetime.now(UTC)),
        "RandGuid": str(uuid.uuid4()),
    }
    request.trigger_metadata["sys"].json = json.dumps(system)
    return request


def _joined(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Repeated names once, their values joined with "," as ASP.NET's StringValues are."""
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def _content_length(headers: Mapping[str, str]) -> int:
    value = headers.get("content-length", "").rpartition(",")[2].strip()
    return int(value) if value.isdigit() else 0


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
