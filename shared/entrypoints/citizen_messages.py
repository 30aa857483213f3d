"""HTTP entry points of the citizen app's messages (the citizen API, for the citizen app's
back end only): CitizenInbox (GET /api/v1/citizen/messages) and CitizenMessage (GET and
PATCH /api/v1/citizen/messages/{id}), for the citizen named in the Citizen-Fiscal-Code
header."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import azure.functions as func

from shared import bootstrap
from shared.domain.inbox_paging import page_request
from shared.domain.message_id import require_valid_message_id
from shared.domain.read_mark import MessageChange, check_read_mark
from shared.domain.service import Service
from shared.domain.timestamps import rfc3339
from shared.entrypoints.citizen_api import open_citizen_call
from shared.entrypoints.entry_point import entry_point
from shared.http import json_model, json_response
from shared.observability.log_context import bind
from shared.services.citizen_inbox import InboxItem, citizen_inbox
from shared.services.citizen_message import OpenedMessage, open_message


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else rfc3339(value)


def _sender_name(sender: Service | None) -> str | None:
    return None if sender is None else sender.name


def inbox_item_body(item: InboxItem) -> dict[str, Any]:
    message = item.message
    return {
        "id": message.id,
        "sender_service_id": message.sender_service_id,
        "sender_service_name": _sender_name(item.sender),
        "subject": message.content.subject,
        "created_at": _timestamp(message.created_at),
        "has_attachments": bool(message.attachments),
        "has_payment": message.has_payment,
        "due_date": _timestamp(message.content.due_date),
        "is_read": message.is_read,
    }


def opened_message_body(opened: OpenedMessage) -> dict[str, Any]:
    message = opened.message
    payment = message.content.payment_data
    return {
        "id": message.id,
        "sender_service_id": message.sender_service_id,
        "sender_service_name": _sender_name(opened.sender),
        "created_at": _timestamp(message.created_at),
        "subject": message.content.subject,
        "markdown": message.content.markdown,
        "due_date": _timestamp(message.content.due_date),
        "payment_data": None if payment is None else payment.model_dump(mode="json"),
        "feature_level_type": message.feature_level_type,
        "is_read": message.is_read,
        "read_at": _timestamp(message.read_at),
        "received_at": _timestamp(message.received_at),
        "attachments": [
            {
                "id": link.attachment.id,
                "name": link.attachment.name,
                "content_type": link.attachment.content_type,
                "size": link.attachment.size,
                "sha256": link.attachment.sha256,
                "download_url": link.url,
                "download_url_expires_at": _timestamp(link.expires_at),
                # No link to a file the malware scan found malicious, or could not vouch for.
                "available": link.available,
                "reason": None if link.unavailable is None else link.unavailable.value,
            }
            for link in opened.links
        ],
    }


@entry_point("CitizenInbox")
def citizen_inbox_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    fiscal_code = open_citizen_call(req, app)
    page = page_request(req.params.get("page_size"), req.params.get("continuation_token"))
    listed = citizen_inbox(
        fiscal_code,
        page,
        messages=app.messages,
        directory=app.directory,
        clock=app.clock,
        profiles=app.profiles,
        outbox=app.event_outbox(),
    )
    body = {
        "items": [inbox_item_body(item) for item in listed.items],
        "continuation_token": listed.continuation_token,
    }
    return json_response(body, request_id=request_id)


@entry_point("CitizenMessage")
def citizen_message_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    fiscal_code = open_citizen_call(req, app)
    message_id = req.route_params["id"]
    require_valid_message_id(message_id)
    read = req.method.upper() == "PATCH"
    if read:
        check_read_mark(json_model(req, MessageChange))
    opened = open_message(
        fiscal_code,
        message_id,
        read=read,
        messages=app.messages,
        directory=app.directory,
        attachments=app.attachments,
        clock=app.clock,
        link_lifetime=timedelta(seconds=app.settings.attachment_link_seconds),
        profiles=app.profiles,
        outbox=app.event_outbox(),
        index=app.message_index,
    )
    bind(message_id=opened.message.id)  # the stored id, never what the caller typed
    return json_response(opened_message_body(opened), request_id=request_id)
