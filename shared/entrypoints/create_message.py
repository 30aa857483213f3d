"""HTTP entry point of CreateMessage: POST /api/v1/messages[/{fiscal_code}]."""

from __future__ import annotations

import time

import azure.functions as func

from shared import bootstrap
from shared.domain.idempotency import check_idempotency_key
from shared.domain.message import Message
from shared.domain.message_rules import validate_new_message
from shared.domain.service import Service
from shared.entrypoints.entry_point import entry_point
from shared.entrypoints.institution_api import open_call
from shared.http import json_body, json_response
from shared.observability.metrics import app_metrics
from shared.services.admission import message_body_limit
from shared.services.create_message import create_message

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
# Names the top-level fields of the body Postino accepted and ignored.
IGNORED_FIELDS_HEADER = "Postino-Ignored-Fields"


def _location(message: Message, *, path_fiscal_code: str | None) -> str:
    """Where the message's status is read: IO's path route for a send that put the fiscal
    code in the path (IO clients follow it), else the route by id alone, so that a caller
    keeping the code out of URLs never gets one back in a header."""
    if path_fiscal_code:
        return f"/api/v1/messages/{message.fiscal_code}/{message.id}"
    return f"/api/v1/messages/{message.id}"


def _message_body(req: func.HttpRequest, service: Service) -> bytes:
    limit = message_body_limit(service)  # admission's step 5, before the body is read
    return json_body(req, limit.max_bytes, limit.why)


def _idempotency_key(req: func.HttpRequest) -> str | None:
    key: str | None = req.headers.get(IDEMPOTENCY_KEY_HEADER)
    if key is not None:
        check_idempotency_key(key)
    return key


@entry_point("CreateMessage")
def create_message_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    started = time.perf_counter()
    app = bootstrap.app()
    call = open_call(req, app)
    body = _message_body(req, call.service)
    idempotency_key = _idempotency_key(req)
    # The attachments' texts stay in `body`, which `new` keeps until they are stored.
    fiscal_code, new = validate_new_message(req.route_params.get("fiscal_code"), body)
    accepted = create_message(
        call.service,
        fiscal_code,
        new,
        idempotency_key=idempotency_key,
        messages=app.messages,
        queue=app.queue,
        idempotency=app.idempotency,
        attachments=app.attachments,
        clock=app.clock,
        test=call.is_test,
        index=app.message_index,
    )
    message = accepted.message
    headers = {
        **call.headers(),
        "Location": _location(message, path_fiscal_code=req.route_params.get("fiscal_code")),
    }
    if accepted.ignored_fields:
        headers[IGNORED_FIELDS_HEADER] = ", ".join(accepted.ignored_fields)
    if accepted.replayed:
        headers["Idempotency-Replay"] = "true"
    elif not message.test:  # test messages count nowhere
        latency_ms = (time.perf_counter() - started) * 1000
        app_metrics().accepted(call.service.id, latency_ms)
    answer: dict[str, object] = {"id": message.id}
    if message.test:
        answer["test"] = True
    return json_response(answer, status=201, request_id=request_id, headers=headers)
