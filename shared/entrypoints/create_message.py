"""HTTP entry point of CreateMessage: POST /api/v1/messages[/{fiscal_code}]."""

from __future__ import annotations

import time

import azure.functions as func

from shared import bootstrap
from shared.domain.message import Message
from shared.domain.message_rules import MAX_MESSAGE_BODY_BYTES, max_message_body_bytes
from shared.domain.service import Service
from shared.entrypoints.institution_api import json_body, open_call
from shared.entrypoints.invocations import invoked
from shared.http import handle, json_response
from shared.observability.metrics import app_metrics
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
    # The sender is known before the body is read: only a Premium service's body may be
    # big enough to carry attachments.
    limit = max_message_body_bytes(service.tier)
    why = "" if limit == MAX_MESSAGE_BODY_BYTES else " (attachments need a Premium contract)"
    return json_body(req, limit, why)


def _create(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    started = time.perf_counter()
    app = bootstrap.app()
    call = open_call(req, app)
    accepted = create_message(
        call.service,
        req.route_params.get("fiscal_code"),
        _message_body(req, call.service),
        idempotency_key=req.headers.get(IDEMPOTENCY_KEY_HEADER),
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
    body: dict[str, object] = {"id": message.id}
    if message.test:
        body["test"] = True
    return json_response(body, status=201, request_id=request_id, headers=headers)


def handle_create_message(
    req: func.HttpRequest, context: func.Context | None = None
) -> func.HttpResponse:
    with invoked("CreateMessage", context):
        return handle(req, _create)
