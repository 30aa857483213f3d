"""HTTP entry point of CreateMessage: POST /api/v1/messages[/{fiscal_code}]."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.http import (
    UNSUPPORTED_MEDIA,
    handle,
    is_json_content_type,
    json_response,
    problem_response,
)
from shared.services.authenticate import authenticate
from shared.services.create_message import create_message

API_KEY_HEADER = "Ocp-Apim-Subscription-Key"


def _create(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    sender = authenticate(
        req.headers.get(API_KEY_HEADER), api_keys=app.api_keys, services=app.services
    )
    if not is_json_content_type(req.headers.get("Content-Type")):
        return problem_response(
            UNSUPPORTED_MEDIA, "send the message as application/json", request_id=request_id
        )
    message = create_message(
        sender,
        req.route_params.get("fiscal_code"),
        req.get_body(),
        messages=app.messages,
        queue=app.queue,
        clock=app.clock,
    )
    return json_response(
        {"id": message.id},
        status=201,
        request_id=request_id,
        headers={"Location": f"/api/v1/messages/{message.fiscal_code}/{message.id}"},
    )


def handle_create_message(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, _create)
