"""`@entry_point`: every trigger runs in one invocation of its function; an HTTP request is
answered through the error table, a queue or timer trigger's error goes on to the host."""

from __future__ import annotations

import json
import logging

import azure.functions as func
import pytest
from azure.functions.queue import QueueMessage

from shared.domain.errors import NotFoundError, StorageUnavailableError
from shared.entrypoints.entry_point import entry_point
from shared.http import json_response
from tests.events import function_context


def _finished(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    (record,) = [r for r in caplog.records if hasattr(r, "outcome")]
    return record


def _request() -> func.HttpRequest:
    return func.HttpRequest("GET", "http://localhost/api/v1/x", body=b"")


def test_an_http_error_is_answered_as_a_problem_under_the_hosts_invocation_id(caplog):
    caplog.set_level(logging.INFO)

    # GIVEN an HTTP handler that finds nothing
    @entry_point("GetMessageStatus")
    def lookup(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
        raise NotFoundError("no such message")

    context = function_context("GetMessageStatus")
    # WHEN the host calls it
    response = lookup(_request(), context)
    # THEN the caller gets the table's problem, and the invocation ended with its status
    assert response.status_code == 404
    assert json.loads(response.get_body())["type"] == "urn:postino:problem:not-found"
    finished = _finished(caplog)
    assert finished.invocation_id == context.invocation_id  # type: ignore[attr-defined]
    assert (finished.function, finished.status) == ("GetMessageStatus", "404")  # type: ignore[attr-defined]


def test_an_http_handler_gets_the_request_id_its_answer_carries():
    @entry_point("ListMessages")
    def listing(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
        return json_response({"seen": request_id}, request_id=request_id)

    # WHEN it is called without a context (a benchmark)
    response = listing(_request())
    # THEN the id it was given is the one the answer's header names
    assert json.loads(response.get_body())["seen"] == response.headers["X-Request-Id"]


def test_a_queue_handlers_error_goes_on_to_the_host_and_the_invocation_failed(caplog):
    caplog.set_level(logging.INFO)

    # GIVEN a queue handler whose store is down
    @entry_point("ProcessMessage")
    def process(msg: func.QueueMessage) -> None:
        raise StorageUnavailableError("down")

    # WHEN the host calls it, THEN the error reaches the host (which retries)
    with pytest.raises(StorageUnavailableError):
        process(QueueMessage(id="q1", body=b"{}"), function_context("ProcessMessage"))
    assert _finished(caplog).outcome == "failed"  # type: ignore[attr-defined]
