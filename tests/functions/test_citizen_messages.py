"""CitizenInbox and CitizenMessage `main`, called with requests built from sample events,
on the real emulators: the bodies they answer, and every error as problem+json."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest
import requests
import yaml
from openapi_schema_validator import OAS31Validator

import CitizenInbox
import CitizenMessage
from shared.bootstrap import build_app
from shared.domain.attachments import StoredAttachment, attachment_blob_name
from shared.domain.message import MessageStatus, Payee, PaymentData
from shared.domain.message_id import new_message_id
from shared.http import MAX_BODY_BYTES
from tests.builders import FISCAL_CODE, a_message, a_service, random_fiscal_code
from tests.events import function_context, http_request
from tests.meta.test_internal_openapi_document import DOCUMENT

PDF = b"%PDF-1.7\nfunction-level test\n%%EOF\n"


def _documented(body, schema_name: str) -> bool:
    """Whether `body` is valid against the internal API document's schema `schema_name`."""
    components = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))["components"]
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
    return bool(OAS31Validator(schema).is_valid(body))


@pytest.fixture(scope="module")
def app(local_stack):
    return build_app(local_stack.settings)


@pytest.fixture(scope="module")
def service_id(app) -> str:
    service = a_service(f"svc-{uuid.uuid4().hex[:10]}", name="Tributi")
    app.services.add(service)
    return service.id


@pytest.fixture
def citizen() -> str:
    """A citizen of their own: no other test writes to this inbox."""
    return random_fiscal_code()


def _deliver(app, fiscal_code, sender, *, seconds_ago=0, status=MessageStatus.PROCESSED):
    created = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    message = a_message(new_message_id(created), fiscal_code, sender, status=status)
    return app.messages.add(message)


def _with_params(request: func.HttpRequest, params: dict[str, str]) -> func.HttpRequest:
    return func.HttpRequest(
        request.method,
        request.url,
        headers=dict(request.headers),
        params=params,
        route_params=dict(request.route_params),
        body=request.get_body(),
    )


def _inbox(fiscal_code: str, **params: str) -> func.HttpResponse:
    request = http_request("citizen_inbox", substitutions={FISCAL_CODE: fiscal_code})
    return CitizenInbox.main(_with_params(request, params), function_context("CitizenInbox"))


def _get(fiscal_code: str, message_id: str) -> func.HttpResponse:
    request = http_request(
        "citizen_message", substitutions={FISCAL_CODE: fiscal_code, "{id}": message_id}
    )
    return CitizenMessage.main(request, function_context("CitizenMessage"))


def _patch(
    fiscal_code: str, message_id: str, body: bytes = b'{"is_read": true}', **headers: str
) -> func.HttpResponse:
    request = http_request(
        "citizen_message_read",
        headers=headers,
        body=body,
        substitutions={FISCAL_CODE: fiscal_code, "{id}": message_id},
    )
    return CitizenMessage.main(request, function_context("CitizenMessage"))


def _json(response: func.HttpResponse):
    return json.loads(response.get_body())


def _problem_pointers(response: func.HttpResponse) -> list[str]:
    assert response.mimetype == "application/problem+json"
    return [error["pointer"] for error in _json(response).get("errors", [])]


def test_the_inbox_lists_processed_messages_newest_first_in_pages(app, service_id, citizen):
    # GIVEN three processed messages and one still accepted
    ids = [_deliver(app, citizen, service_id, seconds_ago=age).id for age in (30, 20, 10)]
    _deliver(app, citizen, service_id, status=MessageStatus.ACCEPTED)
    # WHEN the inbox is read two at a time
    first = _inbox(citizen, page_size="2")
    second = _inbox(citizen, page_size="2", continuation_token=_json(first)["continuation_token"])
    # THEN the processed ones come newest first, each once, and the last page has no token
    assert first.status_code == second.status_code == 200
    items = _json(first)["items"] + _json(second)["items"]
    assert [item["id"] for item in items] == list(reversed(ids))
    assert _json(second)["continuation_token"] is None
    assert _documented(_json(first), "InboxPage")
    assert _documented(_json(second), "InboxPage")
    assert items[0] == {
        "id": ids[2],
        "sender_service_id": service_id,
        "sender_service_name": "Tributi",
        "subject": "Your identity card is ready",
        "created_at": items[0]["created_at"],
        "has_attachments": False,
        "has_payment": False,
        "due_date": None,
        "is_read": False,
    }
    assert items[0]["created_at"].endswith("Z")
    # AND listing made them received
    assert all(app.messages.get(citizen, i).received_at is not None for i in ids)


def test_an_empty_inbox_is_an_empty_page(citizen):
    response = _inbox(citizen)
    assert (response.status_code, _json(response)) == (
        200,
        {"items": [], "continuation_token": None},
    )


@pytest.mark.parametrize(
    ("params", "pointers"),
    [
        ({"continuation_token": "garbage!"}, ["/query/continuation_token"]),
        ({"page_size": "101"}, ["/query/page_size"]),
        (
            {"page_size": "0", "continuation_token": "x"},
            ["/query/page_size", "/query/continuation_token"],
        ),
    ],
)
def test_bad_paging_parameters_are_a_400_naming_them(citizen, params, pointers):
    response = _inbox(citizen, **params)
    assert response.status_code == 400
    assert _problem_pointers(response) == pointers


def test_a_malformed_fiscal_code_is_a_400():
    response = _inbox("RSSMRA80A01H501X")
    assert (response.status_code, _problem_pointers(response)) == (
        400,
        ["/headers/Citizen-Fiscal-Code"],
    )


def test_opening_a_message_shows_it_whole_and_makes_it_received(app, service_id, citizen):
    # GIVEN a processed message with a payment notice
    stored = _deliver(app, citizen, service_id)
    payment = PaymentData(
        amount=1500, notice_number="012345678901234567", payee=Payee(fiscal_code="01234567890")
    )
    content = stored.content.model_copy(
        update={"payment_data": payment, "due_date": datetime(2026, 12, 31, tzinfo=UTC)}
    )
    app.messages.replace(stored.model_copy(update={"content": content}))
    # WHEN the citizen opens it
    response = _get(citizen, stored.id)
    # THEN everything but internals is there, and it is now received
    assert response.status_code == 200
    body = _json(response)
    assert body["id"] == stored.id
    assert body["sender_service_name"] == "Tributi"
    assert body["markdown"] == stored.content.markdown
    assert body["due_date"] == "2026-12-31T00:00:00Z"
    assert body["payment_data"] == {
        "amount": 1500,
        "notice_number": "012345678901234567",
        "invalid_after_due_date": False,
        "payee": {"fiscal_code": "01234567890"},
    }
    assert (body["is_read"], body["read_at"], body["attachments"]) == (False, None, [])
    assert body["received_at"] is not None
    assert not {"fiscal_code", "status_history"} & set(body)
    assert _documented(body, "CitizenMessage")
    # AND opening it again keeps the first time
    assert _json(_get(citizen, stored.id))["received_at"] == body["received_at"]


def test_attachments_come_with_a_download_link_of_at_most_15_minutes(app, service_id, citizen):
    # GIVEN a message with one stored PDF
    stored = _deliver(app, citizen, service_id)
    blob_name = attachment_blob_name(stored.id, 0)
    saved = app.attachments.put(blob_name, base64.b64encode(PDF).decode())
    attachment = StoredAttachment(
        id="0",
        name="bill.pdf",
        content_type="application/pdf",
        size=saved.size,
        sha256=saved.sha256,
        blob_name=blob_name,
    )
    app.messages.replace(stored.model_copy(update={"attachments": (attachment,)}))
    # WHEN the citizen opens it
    before = datetime.now(UTC)
    body = _json(_get(citizen, stored.id))
    assert _documented(body, "CitizenMessage")
    [link] = body["attachments"]
    # THEN the link downloads the file and expires within 15 minutes
    assert {k: link[k] for k in ("id", "name", "content_type", "size", "sha256")} == {
        "id": "0",
        "name": "bill.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": saved.sha256,
    }
    expires_at = datetime.fromisoformat(link["download_url_expires_at"])
    assert before < expires_at <= datetime.now(UTC) + timedelta(minutes=15)
    assert requests.get(link["download_url"], timeout=10).content == PDF


@pytest.mark.parametrize("status", [MessageStatus.ACCEPTED, MessageStatus.REJECTED])
def test_a_message_not_in_the_inbox_is_a_404(app, service_id, citizen, status):
    message = _deliver(app, citizen, service_id, status=status)
    for response in (_get(citizen, message.id), _patch(citizen, message.id)):
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


def test_another_citizens_message_is_a_404(app, service_id, citizen):
    theirs = _deliver(app, random_fiscal_code(), service_id)
    assert _get(citizen, theirs.id).status_code == 404
    assert _get(citizen, new_message_id(datetime.now(UTC))).status_code == 404


def test_marking_read_is_one_way_and_idempotent(app, service_id, citizen):
    message = _deliver(app, citizen, service_id)
    first = _patch(citizen, message.id)
    assert first.status_code == 200
    body = _json(first)
    assert body["is_read"] is True
    assert body["read_at"] == body["received_at"] is not None
    assert _documented(body, "CitizenMessage")
    again = _patch(citizen, message.id)
    assert (again.status_code, _json(again)["read_at"]) == (200, body["read_at"])
    undo = _patch(citizen, message.id, b'{"is_read": false}')
    assert (undo.status_code, _problem_pointers(undo)) == (400, ["/is_read"])
    assert "cannot be undone" in _json(undo)["detail"]
    assert _json(_get(citizen, message.id))["is_read"] is True


@pytest.mark.parametrize(
    "case",
    [
        (b"{}", {}, 400),
        (b'{"is_read": "yes"}', {}, 400),
        (b"not json", {}, 400),
        (b'{"is_read": true}', {"Content-Type": "text/plain"}, 415),
        (b'{"is_read": true}' + b" " * MAX_BODY_BYTES, {}, 413),
    ],
)
def test_a_bad_read_mark_is_refused_as_a_problem(app, service_id, citizen, case):
    body, headers, status = case
    message = _deliver(app, citizen, service_id)
    response = _patch(citizen, message.id, body, **headers)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert app.messages.get(citizen, message.id).read_at is None
