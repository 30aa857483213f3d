"""PaymentEvents' `main`, called with requests built from the sample event, on the real
emulators: record, repeat, bad input, and a message reading as paid."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

import PaymentEvents
from shared import bootstrap
from shared.domain.message import MessageContent, Payee, PaymentData
from shared.http import MAX_BODY_BYTES
from shared.services.payment_status import notice_status_of
from tests.builders import MARKDOWN, SUBJECT, a_message, a_service
from tests.events import function_context, http_request, load_event

PROBLEM = "application/problem+json"


def _notice() -> str:
    # The emulator's store lives for the session: every test pays a notice of its own.
    return f"3{random.randrange(10**17):017d}"


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {**load_event("payment_event")["body"], "notice_number": _notice()}
    event.update(overrides)
    return event


def _post(body: bytes, **headers: str):
    return PaymentEvents.main(
        http_request("payment_event", body=body, headers=headers), function_context("PaymentEvents")
    )


def _problem(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_body()
    assert response.mimetype == PROBLEM
    problem: dict[str, Any] = json.loads(response.get_body())
    assert problem["status"] == status
    return problem


def test_the_first_event_answers_201_and_a_repeat_200_with_the_first(local_stack):
    # GIVEN a payment event for a notice nobody reported yet
    event = _event()
    # WHEN the platform reports it, then reports it again with another time
    first = _post(json.dumps(event).encode())
    repeat = _post(json.dumps({**event, "paid_at": "2026-11-22T11:00:00Z"}).encode())
    # THEN the first answer creates the record, the repeat gets it back unchanged
    assert first.status_code == 201
    assert repeat.status_code == 200
    recorded = json.loads(first.get_body())
    assert set(recorded) == {"payee_fiscal_code", "notice_number", "paid_at", "recorded_at"}
    assert recorded["paid_at"] == "2026-11-22T10:00:00Z"
    assert recorded["notice_number"] == event["notice_number"]
    assert json.loads(repeat.get_body()) == recorded


def test_the_sample_event_is_valid(local_stack):
    response = _post(json.dumps(load_event("payment_event")["body"]).encode())
    assert response.status_code in {200, 201}


def test_bad_fields_get_a_400_problem_naming_each(local_stack):
    body = _event(payee_fiscal_code="RSSMRA80A01H501U", notice_number="1", paid_at=1795000000)
    problem = _problem(_post(json.dumps(body).encode()), 400)
    assert sorted(error["pointer"] for error in problem["errors"]) == [
        "/notice_number",
        "/paid_at",
        "/payee_fiscal_code",
    ]
    # The problem never echoes the input back.
    assert "RSSMRA80A01H501U" not in json.dumps(problem)


def test_a_payment_in_the_future_gets_a_400_that_says_so(local_stack):
    problem = _problem(_post(json.dumps(_event(paid_at="2999-01-01T00:00:00Z")).encode()), 400)
    [error] = problem["errors"]
    assert error["pointer"] == "/paid_at"
    assert "future" in error["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_not_declared_as_json_gets_415(local_stack, content_type):
    response = _post(json.dumps(_event()).encode(), **{"Content-Type": content_type})
    _problem(response, 415)


def test_a_body_over_256_kib_gets_413(local_stack):
    body = json.dumps(_event(padding="x" * MAX_BODY_BYTES)).encode()
    _problem(_post(body), 413)


def test_a_message_with_a_paid_notice_reads_as_paid(local_stack):
    # GIVEN a notice paid before any message carries it
    event = _event()
    assert _post(json.dumps(event).encode()).status_code == 201
    # WHEN a message carrying that notice is read
    payment_data = PaymentData(
        amount=12345,
        notice_number=event["notice_number"],
        payee=Payee(fiscal_code=event["payee_fiscal_code"]),
    )
    content = MessageContent(subject=SUBJECT, markdown=MARKDOWN, payment_data=payment_data)
    message = a_message().model_copy(update={"content": content})
    # THEN it is paid at the reported time, for a sender of the payee's organization
    sender = a_service(organization_fiscal_code=event["payee_fiscal_code"])
    status = notice_status_of(message, sender=sender, payments=bootstrap.app().payments)
    assert status is not None
    assert status.paid_at is not None
    assert status.paid_at.isoformat() == "2026-11-22T10:00:00+00:00"
