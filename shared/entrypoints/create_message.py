"""HTTP entry point of CreateMessage: POST /api/v1/messages[/{fiscal_code}]."""

from __future__ import annotations

import time

import azure.functions as func

from shared import bootstrap
from shared.domain.message_rules import MAX_MESSAGE_BODY_BYTES
from shared.entrypoints.institution_api import json_body, open_call
from shared.entrypoints.invocations import invoked
from shared.http import handle, json_response
from shared.observability.metrics import app_metrics
from shared.services.create_message import create_message

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"


def _create(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    started = time.perf_counter()
    app = bootstrap.app()
    call = open_call(req, app)
    accepted = create_message(
        call.service,
        req.route_params.get("fiscal_code"),
        json_body(req, MAX_MESSAGE_BODY_BYTES),
        idempotency_key=req.headers.get(IDEMPOTENCY_KEY_HEADER),
        messages=app.messages,
        queue=app.queue,
        idempotency=app.idempotency,
        attachments=app.attachments,
        clock=app.clock,
    )
    message = accepted.message
    headers = {
        **call.headers(),
        "Location": f"/api/v1/messages/{message.fiscal_code}/{message.id}",
    }
    if accepted.replayed:
        headers["Idempotency-Replay"] = "true"
    else:
        latency_ms = (time.perf_counter() - started) * 1000
        app_metrics().accepted(call.service.id, latency_ms)
    return json_response({"id": message.id}, status=201, request_id=request_id, headers=headers)


def handle_create_message(
    req: func.HttpRequest, context: func.Context | None = None
) -> func.HttpResponse:
    with invoked("CreateMessage", context):
        return handle(req, _create)
