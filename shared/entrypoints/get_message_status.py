"""HTTP entry points of GetMessageStatus (GET /api/v1/messages/{fiscal_code}/{id}, IO's
route) and GetMessageStatusById (GET /api/v1/messages/{id}, no fiscal code in the URL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import azure.functions as func

from shared import bootstrap
from shared.domain.message import Message
from shared.domain.message_id import require_valid_message_id
from shared.domain.message_tracking import Tracking
from shared.domain.timestamps import rfc3339
from shared.entrypoints.entry_point import entry_point
from shared.entrypoints.institution_api import open_call
from shared.http import json_response
from shared.observability.log_context import bind
from shared.services.get_message_status import MessageStatusReport, get_message_status
from shared.services.message_status_by_id import get_message_status_by_id


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else rfc3339(value)


def _tracking_fields(tracking: Tracking) -> dict[str, Any]:
    """IO's read_status and payment_status, and Postino's four timestamps."""
    fields: dict[str, Any] = {"read_status": tracking.read_status}
    if tracking.payment_status is not None:
        fields["payment_status"] = tracking.payment_status
    fields |= {
        "processed_at": _timestamp(tracking.processed_at),
        "received_at": _timestamp(tracking.received_at),
        "read_at": _timestamp(tracking.read_at),
        "paid_at": _timestamp(tracking.paid_at),
    }
    return fields


def status_report_body(report: MessageStatusReport) -> dict[str, Any]:
    body = message_status_body(report.message)
    if report.tracking is not None:
        body |= _tracking_fields(report.tracking)
    return body


def message_status_body(message: Message) -> dict[str, Any]:
    """IO's MessageResponseWithContent shape; Postino's additions are extra fields."""
    body: dict[str, Any] = {
        "message": {
            "id": message.id,
            "fiscal_code": message.fiscal_code,
            "created_at": _timestamp(message.created_at),
            "sender_service_id": message.sender_service_id,
            "time_to_live": message.time_to_live,
            "content": message.content.model_dump(mode="json", exclude_none=True),
            "feature_level_type": message.feature_level_type,
        },
        "status": message.status,
    }
    if message.test:
        body["test"] = True
    if message.attachments:
        body["message"]["attachments"] = [
            attachment.model_dump(mode="json", exclude={"blob_name"})
            for attachment in message.attachments
        ]
    if message.reference is not None:
        body["message"]["reference"] = message.reference
    if message.rejection_reason is not None:
        body["rejection_reason"] = message.rejection_reason
    return body


@entry_point("GetMessageStatus")
def get_message_status_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    call = open_call(req, app)
    message_id = req.route_params["id"]
    require_valid_message_id(message_id)
    report = get_message_status(
        call.service,
        req.route_params["fiscal_code"],
        message_id,
        messages=app.messages,
        profiles=app.profiles,
        payments=app.payments,
        test_key=call.is_test,
    )
    bind(message_id=report.message.id)  # the stored id, never what the caller typed
    return json_response(status_report_body(report), request_id=request_id, headers=call.headers())


@entry_point("GetMessageStatusById")
def get_message_status_by_id_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    call = open_call(req, app)
    message_id = req.route_params["id"]
    require_valid_message_id(message_id)
    report = get_message_status_by_id(
        call.service,
        message_id,
        messages=app.messages,
        profiles=app.profiles,
        payments=app.payments,
        test_key=call.is_test,
    )
    bind(message_id=report.message.id)
    return json_response(status_report_body(report), request_id=request_id, headers=call.headers())
