"""Over HTTP: the payment platform reverses a payment with `POST /api/v1/payments` and
`"type": "REVERSAL"`; the notice reads NOT_PAID again, every event is safe to repeat, and a
new payment makes it PAID again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.builders import random_fiscal_code
from tests.e2e.conftest import expect_problem
from tests.e2e.senders_and_payments import (
    notice_message,
    notice_number,
    premium_service,
    register_citizen,
    report_payment,
    send,
    settled,
    status,
)

PAYEE = "01234567890"


def _at(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@pytest.fixture
def paid_message(offline_host, local_stack) -> dict[str, Any]:
    """A delivered message whose notice the platform reported paid an hour ago."""
    _, key = premium_service(local_stack.settings, PAYEE)
    fiscal_code = random_fiscal_code()
    register_citizen(local_stack.settings, fiscal_code)
    notice = notice_number()
    message_id = send(offline_host, key, fiscal_code, notice_message(notice))
    paid_at = _at(datetime.now(UTC) - timedelta(hours=1))
    event = {"payee_fiscal_code": PAYEE, "notice_number": notice, "paid_at": paid_at}
    assert report_payment(offline_host, event).status_code == 201
    body = settled(offline_host, key, fiscal_code, message_id)
    assert (body["payment_status"], body["paid_at"]) == ("PAID", paid_at)
    return {"key": key, "fiscal_code": fiscal_code, "id": message_id, "payment": event}


def _read(host, message: dict[str, Any]) -> tuple[str, str | None]:
    body = status(host, message["key"], message["fiscal_code"], message["id"])
    return body["payment_status"], body["paid_at"]


def test_a_reversed_payment_reads_not_paid_and_a_new_payment_paid_again(offline_host, paid_message):
    payment = paid_message["payment"]
    reversal = {**payment, "type": "REVERSAL", "reversed_at": _at(datetime.now(UTC))}
    # WHEN the platform reverses the payment
    reversed_ = report_payment(offline_host, reversal)
    # THEN it is recorded, and the notice reads NOT_PAID
    assert reversed_.status_code == 201, reversed_.text
    assert reversed_.json()["reversed_at"] == reversal["reversed_at"]
    assert reversed_.json()["paid_at"] == payment["paid_at"]
    assert _read(offline_host, paid_message) == ("NOT_PAID", None)
    # AND repeating the reversal, or the reversed payment's report, changes nothing
    for repeat in (reversal, payment):
        again = report_payment(offline_host, repeat)
        assert again.status_code == 200, again.text
        assert again.json() == reversed_.json()
    assert _read(offline_host, paid_message) == ("NOT_PAID", None)
    # AND a new payment of the notice makes it PAID again
    paid_again = {**payment, "paid_at": _at(datetime.now(UTC))}
    recorded = report_payment(offline_host, paid_again)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["reversed_payments"] == [
        {"paid_at": payment["paid_at"], "reversed_at": reversal["reversed_at"]}
    ]
    assert "reversed_at" not in recorded.json()
    assert _read(offline_host, paid_message) == ("PAID", paid_again["paid_at"])


def test_a_reversal_naming_another_payment_is_a_409_and_changes_nothing(offline_host, paid_message):
    payment = paid_message["payment"]
    earlier = _at(datetime.fromisoformat(payment["paid_at"]) - timedelta(minutes=5))
    reversal = {
        **payment,
        "paid_at": earlier,
        "type": "REVERSAL",
        "reversed_at": _at(datetime.now(UTC)),
    }
    problem = expect_problem(report_payment(offline_host, reversal), 409)
    assert payment["paid_at"] in problem["detail"]
    assert _read(offline_host, paid_message) == ("PAID", payment["paid_at"])


def test_a_reversal_without_its_time_is_a_400_naming_it(offline_host, paid_message):
    reversal = {**paid_message["payment"], "type": "REVERSAL"}
    problem = expect_problem(report_payment(offline_host, reversal), 400)
    assert [error["pointer"] for error in problem["errors"]] == ["/reversed_at"]
    assert _read(offline_host, paid_message)[0] == "PAID"
