"""The offline host over HTTP: routing, keys, errors, keep-alive, limits (emulators needed)."""

from __future__ import annotations

import http.client

import pytest

from offline_host_tests.running_host import FUNCTION_KEY, MASTER_KEY, RunningHost

pytestmark = pytest.mark.emulators


def test_optional_segment_and_int_constraint_route(sample_host: RunningHost) -> None:
    # GIVEN EchoItem on "items/{id:int}/{name?}"
    # WHEN called with and without the optional segment THEN the route values come through
    short = sample_host.request("GET", "/api/items/42?colour=red")
    assert short.status == 200
    assert short.json() == {
        "function": "EchoItem",
        "route_params": {"id": "42"},
        "params": {"colour": "red"},
        "method": "GET",
    }
    assert sample_host.request("GET", "/api/items/42/bob").json()["route_params"] == {
        "id": "42",
        "name": "bob",
    }
    # AND a value the constraint refuses finds no route
    assert sample_host.request("GET", "/api/items/forty-two").status == 404


def test_literal_route_beats_parameter_route_in_any_case(sample_host: RunningHost) -> None:
    assert sample_host.request("GET", "/api/things/latest").body == b"LatestThing"
    assert sample_host.request("GET", "/API/Things/LATEST").body == b"LatestThing"
    assert sample_host.request("GET", "/api/things/other").body == b"ThingByName"


def test_unknown_route_and_wrong_method_answer_404(sample_host: RunningHost) -> None:
    assert sample_host.request("GET", "/api/no/such/route").status == 404
    assert sample_host.request("DELETE", "/api/items/1").status == 404


def test_function_level_needs_the_function_or_master_key(sample_host: RunningHost) -> None:
    assert sample_host.request("GET", "/api/SecretPing").status == 401
    wrong = {"x-functions-key": "wrong"}
    assert sample_host.request("GET", "/api/SecretPing", headers=wrong).status == 401
    right = {"x-functions-key": FUNCTION_KEY}
    accepted = sample_host.request("GET", "/api/SecretPing", headers=right)
    assert (accepted.status, accepted.body) == (200, b"pong")
    assert sample_host.request("GET", f"/api/SecretPing?code={MASTER_KEY}").status == 200
    assert sample_host.request("GET", f"/api/SecretPing?code={FUNCTION_KEY}").status == 200


def test_admin_level_needs_the_master_key(sample_host: RunningHost) -> None:
    function_key = {"x-functions-key": FUNCTION_KEY}
    assert sample_host.request("GET", "/api/AdminPing", headers=function_key).status == 401
    master_key = {"x-functions-key": MASTER_KEY}
    assert sample_host.request("GET", "/api/AdminPing", headers=master_key).status == 200


def test_named_http_output_sets_status_and_headers(sample_host: RunningHost) -> None:
    reply = sample_host.request("POST", "/api/work", body=b"named output")
    assert reply.status == 202
    assert reply.headers["X-Sample"] == "queued"
    assert reply.body == b""


def test_function_that_raises_answers_500_with_an_empty_body(sample_host: RunningHost) -> None:
    reply = sample_host.request("POST", "/api/work", body=b"fail")
    assert (reply.status, reply.body) == (500, b"")
    assert "RuntimeError: asked to fail" in sample_host.log()


def test_async_function_echoes_a_large_body(sample_host: RunningHost) -> None:
    body = bytes(range(256)) * 4096  # 1 MiB
    reply = sample_host.request("POST", "/api/async-echo", body=body)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/octet-stream"
    assert reply.body == body


def test_chunked_request_is_read_but_reaches_the_function_without_a_body(
    sample_host: RunningHost,
) -> None:
    # As in Azure, whose host passes the worker a body only when Content-Length is above 0;
    # the connection stays usable because the chunked body was read in full.
    connection = http.client.HTTPConnection("127.0.0.1", sample_host.port, timeout=10)
    try:
        chunks = iter([b"first,", b"second,", b"third"])
        connection.request("POST", "/api/async-echo", body=chunks, encode_chunked=True)
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"")
        connection.request("POST", "/api/async-echo", body=b"sized")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"sized")
    finally:
        connection.close()


def test_keep_alive_serves_several_requests_on_one_connection(sample_host: RunningHost) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", sample_host.port, timeout=10)
    try:
        sockets = []
        for number in range(3):
            connection.request("GET", f"/api/items/{number}")
            response = connection.getresponse()
            assert response.status == 200
            response.read()
            sockets.append(connection.sock)
        assert sockets[0] is not None
        assert sockets.count(sockets[0]) == 3
    finally:
        connection.close()


def test_a_content_length_of_thousands_of_digits_is_a_413_not_a_dropped_connection(
    sample_host: RunningHost,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", sample_host.port, timeout=10)
    try:
        connection.putrequest("POST", "/api/async-echo")
        connection.putheader("Content-Length", "9" * 5000)
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()


def test_body_over_100_mib_is_refused_with_413(sample_host: RunningHost) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", sample_host.port, timeout=10)
    try:
        connection.putrequest("POST", "/api/async-echo")
        connection.putheader("Content-Length", str(100 * 1024 * 1024 + 1))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()


def test_function_that_failed_to_import_is_reported_and_not_served(
    sample_host: RunningHost,
) -> None:
    status = sample_host.admin("GET", "/admin/host/status").json()
    assert status["state"] == "Running"
    assert any("BrokenImport" in error and "ImportError" in error for error in status["errors"])
    assert sample_host.request("GET", "/api/broken").status == 404


def test_startup_lists_functions_then_host_started(sample_host: RunningHost) -> None:
    log = sample_host.log()
    base = f"http://127.0.0.1:{sample_host.port}"
    listing = f"EchoItem: [GET] {base}/api/items/{{id:int}}/{{name?}}"
    assert listing in log
    assert "RecordWork: queueTrigger" in log
    assert "Tick: timerTrigger" in log
    assert log.index(listing) < log.index("Host started")
