"""Reading an InvocationResponse: failure, HTTP answer, output values by name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from offline_host.worker.invocation_outcomes import read_outcome
from offline_host.worker.protocol import pb

SUCCESS = pb.StatusResult(status=pb.StatusResult.Success)


def test_a_failure_carries_the_librarys_message_and_stack_trace() -> None:
    response = pb.InvocationResponse(
        invocation_id="i-1",
        result=pb.StatusResult(
            status=pb.StatusResult.Failure,
            exception=pb.RpcException(message="ValueError: no", stack_trace="Traceback..."),
        ),
    )

    outcome = read_outcome(response, http_output="$return")

    assert not outcome.succeeded
    assert outcome.invocation_id == "i-1"
    assert outcome.error_message == "ValueError: no"
    assert outcome.stack_trace == "Traceback..."
    assert outcome.http is None


def test_the_http_answer_comes_from_the_return_value() -> None:
    http = pb.RpcHttp(
        status_code="404",
        headers={"content-type": "application/problem+json"},
        body=pb.TypedData(bytes=b'{"status": 404}'),
    )
    response = pb.InvocationResponse(result=SUCCESS, return_value=pb.TypedData(http=http))

    outcome = read_outcome(response, http_output="$return")

    assert outcome.succeeded
    assert outcome.http is not None
    assert outcome.http.status == 404
    assert outcome.http.headers == (("content-type", "application/problem+json"),)
    assert outcome.http.body == b'{"status": 404}'
    assert outcome.outputs == {}


def test_the_http_answer_comes_from_a_named_output_and_the_others_stay_outputs() -> None:
    response = pb.InvocationResponse(
        result=SUCCESS,
        output_data=[
            pb.ParameterBinding(name="res", data=pb.TypedData(http=pb.RpcHttp(status_code="202"))),
            pb.ParameterBinding(name="outbox", data=pb.TypedData(string="message")),
            pb.ParameterBinding(name="raw", data=pb.TypedData(bytes=b"\x00")),
            pb.ParameterBinding(name="doc", data=pb.TypedData(json='{"a": 1}')),
            # The library sends a list of str or QueueMessage set on a queue output as JSON.
            pb.ParameterBinding(
                name="listed", data=pb.TypedData(json='["one", {"id": "m", "body": "two"}]')
            ),
            pb.ParameterBinding(
                name="many",
                data=pb.TypedData(collection_string=pb.CollectionString(string=["x", "y"])),
            ),
        ],
    )

    outcome = read_outcome(response, http_output="res")

    assert outcome.http is not None
    assert outcome.http.status == 202
    assert outcome.http.body == b""
    assert outcome.outputs == {
        "outbox": "message",
        "raw": b"\x00",
        "doc": '{"a": 1}',
        "listed": ("one", '{"id": "m", "body": "two"}'),
        "many": ("x", "y"),
    }


def test_a_string_http_output_is_a_plain_text_200() -> None:
    response = pb.InvocationResponse(result=SUCCESS, return_value=pb.TypedData(string="hi"))

    outcome = read_outcome(response, http_output="$return")

    assert outcome.http is not None
    assert (outcome.http.status, outcome.http.body) == (200, b"hi")
    assert outcome.http.headers == (("Content-Type", "text/plain; charset=utf-8"),)


def test_an_unset_http_output_has_no_answer() -> None:
    outcome = read_outcome(pb.InvocationResponse(result=SUCCESS), http_output="$return")

    assert outcome.succeeded
    assert outcome.http is None


def test_cookies_become_set_cookie_headers_as_asp_net_core_writes_them() -> None:
    expires = Timestamp()
    expires.FromDatetime(datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC))
    cookie = pb.RpcHttpCookie(
        name="session",
        value="abc",
        domain=pb.NullableString(value="example.org"),
        path=pb.NullableString(value="/api"),
        expires=pb.NullableTimestamp(value=expires),
        secure=pb.NullableBool(value=True),
        http_only=pb.NullableBool(value=True),
        same_site=pb.RpcHttpCookie.Strict,
        max_age=pb.NullableDouble(value=60),
    )
    http = pb.RpcHttp(status_code="200", cookies=[cookie, pb.RpcHttpCookie(name="b", value="2")])
    response = pb.InvocationResponse(result=SUCCESS, return_value=pb.TypedData(http=http))

    outcome = read_outcome(response, http_output="$return")

    assert outcome.http is not None
    assert [value for name, value in outcome.http.headers if name == "Set-Cookie"] == [
        "session=abc; expires=Sat, 02 Jan 2027 03:04:05 GMT; max-age=60; domain=example.org; "
        "path=/api; secure; samesite=strict; httponly",
        "b=2",
    ]


def test_an_http_output_holding_something_else_is_refused() -> None:
    response = pb.InvocationResponse(result=SUCCESS, return_value=pb.TypedData(int=3))

    with pytest.raises(ValueError, match="int"):
        read_outcome(response, http_output="$return")
