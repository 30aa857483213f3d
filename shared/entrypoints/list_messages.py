"""HTTP entry point of ListMessages (GET /api/v1/messages): the calling service's messages,
newest first, filtered and paged by query parameters; no fiscal code anywhere."""

from __future__ import annotations

import dataclasses
from typing import Any

import azure.functions as func

from shared import bootstrap
from shared.domain.errors import StorageUnavailableError
from shared.domain.message_list_query import message_list_request
from shared.domain.service_messages import ServiceMessageEntry
from shared.domain.timestamps import rfc3339
from shared.entrypoints.entry_point import entry_point
from shared.entrypoints.institution_api import open_call
from shared.http import json_response
from shared.services.list_messages import list_messages


def list_item_body(entry: ServiceMessageEntry) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": entry.id,
        "created_at": rfc3339(entry.created_at),
        "status": entry.status.value,
        "status_changed_at": rfc3339(entry.status_changed_at),
        "reference": entry.reference,
    }
    if entry.rejection_reason is not None:
        body["rejection_reason"] = entry.rejection_reason
    return body


@entry_point("ListMessages")
def list_messages_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    call = open_call(req, app)
    request = message_list_request(call.service.id, req.params)
    # A TEST key lists the sandbox's messages, a live key the real ones: never the other's.
    request = dataclasses.replace(
        request, filter=dataclasses.replace(request.filter, test=call.is_test)
    )
    if app.message_index is None:
        raise StorageUnavailableError("the index of services' messages is not configured")
    page = list_messages(call.service, request, index=app.message_index)
    body = {
        "items": [list_item_body(entry) for entry in page.entries],
        "continuation_token": page.next_token,
    }
    return json_response(body, request_id=request_id, headers=call.headers())
