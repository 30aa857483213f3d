"""InvocationRequests carry what the real host sends, quirks included."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from offline_host.queue_delivery import QueueDelivery
from offline_host.worker.invocation_requests import (
    http_invocation,
    queue_invocation,
    timer_invocation,
)
from offline_host.worker.protocol import pb


def http(
    *,
    url: str = "http://localhost:7071/api/things",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    method: str = "get",
) -> pb.RpcHttp:
    request = http_invocation(
        function_id="Things",
        function_name="Things",
        binding_name="req",
        method=method,
        url=url,
        headers=headers or [],
        body=body,
        route_params={"id": "7"},
        invocation_id="invocation-1",
    )
    assert request.invocation_id == "invocation-1"
    assert request.function_id == "Things"
    assert [binding.name for binding in request.input_data] == ["req"]
    return request.input_data[0].data.http


def test_http_method_is_upper_case_and_url_and_route_params_are_kept() -> None:
    sent = http(method="post", url="http://localhost:7071/api/things/7?x=1")

    assert sent.method == "POST"
    assert sent.url == "http://localhost:7071/api/things/7?x=1"
    assert dict(sent.params) == {"id": "7"}


def test_query_keys_with_an_empty_value_are_dropped_and_repeats_joined() -> None:
    sent = http(url="http://localhost:7071/api/things?a=&b=2&b=3&c&d=%20x")

    assert dict(sent.query) == {"b": "2,3", "d": " x"}


def test_header_names_are_lower_cased_and_repeats_joined_with_a_comma() -> None:
    sent = http(headers=[("Accept", "text/plain"), ("ACCEPT", "application/json"), ("X-E", "")])

    assert dict(sent.headers) == {"accept": "text/plain,application/json", "x-e": ""}


def test_a_body_with_content_length_goes_as_bytes() -> None:
    sent = http(headers=[("Content-Length", "5"), ("Content-Type", "text/plain")], body=b"hello")

    assert sent.body.WhichOneof("data") == "bytes"
    assert sent.body.bytes == b"hello"
    assert not sent.HasField("rawBody")


@pytest.mark.parametrize(
    "headers",
    [
        [("Transfer-Encoding", "chunked")],
        [("Content-Length", "0")],
        [],
    ],
    ids=["chunked", "zero-length", "no-length"],
)
def test_without_a_positive_content_length_no_body_is_sent(headers: list[tuple[str, str]]) -> None:
    sent = http(headers=headers, body=b"hello")

    assert not sent.HasField("body")


def test_http_trigger_metadata_holds_only_sys() -> None:
    request = http_invocation(
        function_id="Things",
        function_name="Things",
        binding_name="req",
        method="GET",
        url="http://localhost/api/things",
        headers=[],
        body=b"",
        route_params={},
    )

    assert list(request.trigger_metadata) == ["sys"]
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-00", request.trace_context.trace_parent)
    system = json.loads(request.trigger_metadata["sys"].json)
    assert system["MethodName"] == "Things"
    assert set(system) == {"MethodName", "UtcNow", "RandGuid"}


INSERTED = datetime(2026, 12, 3, 16, 0, 0, tzinfo=UTC)
DELIVERY = QueueDelivery(
    id="id-1",
    body="caffè".encode(),
    dequeue_count=2,
    insertion_time=INSERTED,
    expiration_time=INSERTED + timedelta(days=7),
    time_next_visible=INSERTED + timedelta(minutes=10),
    pop_receipt="receipt",
)


def queue(delivery: QueueDelivery = DELIVERY, *, binary: bool = False) -> pb.InvocationRequest:
    return queue_invocation(
        function_id="Work",
        function_name="Work",
        binding_name="msg",
        delivery=delivery,
        binary=binary,
    )


def test_a_queue_message_goes_as_its_text_with_metadata_of_the_hosts_types() -> None:
    request = queue()

    assert request.input_data[0].data.string == "caffè"
    metadata = request.trigger_metadata
    assert metadata["QueueTrigger"].string == "caffè"
    assert metadata["Id"].string == "id-1"
    assert metadata["PopReceipt"].string == "receipt"
    assert metadata["DequeueCount"].json == "2"
    assert metadata["InsertionTime"].json == '"2026-12-03T16:00:00+00:00"'
    assert metadata["ExpirationTime"].json == '"2026-12-10T16:00:00+00:00"'
    assert metadata["NextVisibleTime"].json == '"2026-12-03T16:10:00+00:00"'


def test_a_binary_queue_trigger_gets_the_bytes() -> None:
    request = queue(QueueDelivery(id="id-2", body=b"\xff\x00", dequeue_count=1), binary=True)

    assert request.input_data[0].data.bytes == b"\xff\x00"
    assert request.trigger_metadata["QueueTrigger"].string == "\ufffd\x00"
    assert "InsertionTime" not in request.trigger_metadata


def test_a_timer_gets_the_timer_info_json_of_the_host() -> None:
    request = timer_invocation(
        function_id="Tick", function_name="Tick", binding_name="timer", past_due=True
    )

    info = json.loads(request.input_data[0].data.json)
    assert info == {"Schedule": {"AdjustForDST": True}, "ScheduleStatus": None, "IsPastDue": True}


def test_a_timer_with_a_schedule_status_carries_last_next_and_last_updated() -> None:
    request = timer_invocation(
        function_id="Tick",
        function_name="Tick",
        binding_name="timer",
        past_due=False,
        last=INSERTED,
        next_occurrence=INSERTED + timedelta(hours=1),
        last_updated=INSERTED,
    )

    status = json.loads(request.input_data[0].data.json)["ScheduleStatus"]
    assert status == {
        "Last": "2026-12-03T16:00:00+00:00",
        "Next": "2026-12-03T17:00:00+00:00",
        "LastUpdated": "2026-12-03T16:00:00+00:00",
    }
