"""HTTP entry point of GetMessageStatus: GET /api/v1/messages/{fiscal_code}/{id}."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from shared import bootstrap
from shared.domain.message import Message
from shared.entrypoints.institution_api import open_call
from shared.http import handle, json_response
from shared.services.get_message_status import get_message_status


def message_status_body(message: Message) -> dict[str, Any]:
    """IO's MessageResponseWithContent shape; Postino's additions are extra fields."""
    body: dict[str, Any] = {
        "message": {
            "id": message.id,
            "fiscal_code": message.fiscal_code,
            "created_at": message.created_at.isoformat().replace("+00:00", "Z"),
            "sender_service_id": message.sender_service_id,
            "time_to_live": message.time_to_live,
            "content": message.content.model_dump(mode="json", exclude_none=True),
            "feature_level_type": message.feature_level_type,
        },
        "status": message.status,
    }
    if message.rejection_reason is not None:
        body["rejection_reason"] = message.rejection_reason
    return body


def _get(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    call = open_call(req, app)
    message = get_message_status(
        call.service, req.route_params["fiscal_code"], req.route_params["id"], messages=app.messages
    )
    return json_response(
        message_status_body(message), request_id=request_id, headers=call.headers()
    )


def handle_get_message_status(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, _get)
