"""Over HTTP: a service that names another organization as the payee of its notice is
accepted (as IO allows), but never learns whether that organization's notice was paid, not
even for an unregistered recipient; the operator can delegate the payee to it with the CLI,
and take it back."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from tests.builders import random_fiscal_code
from tests.e2e.conftest import CACHE_TTL, run_admin
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

ORGANIZATION_A = "01234567890"
ORGANIZATION_B = "98765432109"


def _paid_notice_of_a(host) -> tuple[str, str]:
    notice = notice_number()
    paid_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    event = {"payee_fiscal_code": ORGANIZATION_A, "notice_number": notice, "paid_at": paid_at}
    response = report_payment(host, event)
    assert response.status_code == 201, response.text
    return notice, paid_at


def test_a_service_cannot_read_whether_another_organizations_notice_was_paid(
    offline_host, local_stack
):
    # GIVEN organization A's notice, paid, and A's and B's Premium services
    notice, paid_at = _paid_notice_of_a(offline_host)
    _, key_a = premium_service(local_stack.settings, ORGANIZATION_A)
    _, key_b = premium_service(local_stack.settings, ORGANIZATION_B)
    registered, unregistered = random_fiscal_code(), random_fiscal_code()
    register_citizen(local_stack.settings, registered)
    # WHEN B sends messages naming A as payee of that notice (accepted: IO lets a service
    # name another payee), to a registered citizen and to an unregistered one
    to_registered = send(offline_host, key_b, registered, notice_message(notice, ORGANIZATION_A))
    to_unregistered = send(
        offline_host, key_b, unregistered, notice_message(notice, ORGANIZATION_A)
    )
    # THEN B reads no payment status and no payment time for either
    for fiscal_code, message_id, expected in (
        (registered, to_registered, "PROCESSED"),
        (unregistered, to_unregistered, "REJECTED"),
    ):
        body = settled(offline_host, key_b, fiscal_code, message_id)
        assert body["status"] == expected
        assert "payment_status" not in body, body
        assert body["paid_at"] is None
        assert body["read_status"] in {"UNREAD", "UNAVAILABLE"}
    # AND A, the payee, reads its notice as paid
    own = send(offline_host, key_a, registered, notice_message(notice))
    body = settled(offline_host, key_a, registered, own)
    assert (body["payment_status"], body["paid_at"]) == ("PAID", paid_at)


def _status_once(host, key: str, fiscal_code: str, message_id: str, shown: bool) -> dict[str, Any]:
    """The status once `payment_status` is shown (or hidden), within the cache's time."""
    deadline = time.monotonic() + CACHE_TTL + 3
    while True:
        body = status(host, key, fiscal_code, message_id)
        if ("payment_status" in body) == shown:
            return body
        assert time.monotonic() < deadline, f"payment_status still {'hidden' if shown else 'shown'}"
        time.sleep(0.2)


def test_a_payee_the_operator_delegates_reads_paid_until_taken_back(offline_host, local_stack):
    # GIVEN B's message naming A as payee of A's paid notice
    notice, paid_at = _paid_notice_of_a(offline_host)
    service_b, key_b = premium_service(local_stack.settings, ORGANIZATION_B)
    fiscal_code = random_fiscal_code()
    register_citizen(local_stack.settings, fiscal_code)
    message_id = send(offline_host, key_b, fiscal_code, notice_message(notice, ORGANIZATION_A))
    assert "payment_status" not in settled(offline_host, key_b, fiscal_code, message_id)
    # WHEN the operator delegates A to B
    env = local_stack.app_settings
    delegated = run_admin(
        "--json", "service", "update", service_b, "--delegate-payee", ORGANIZATION_A, env=env
    )
    assert delegated.returncode == 0, delegated.stderr
    # THEN B reads the notice PAID (within the service cache's time)
    body = _status_once(offline_host, key_b, fiscal_code, message_id, shown=True)
    assert (body["payment_status"], body["paid_at"]) == ("PAID", paid_at)
    # AND once the operator takes the delegation back, B reads nothing again
    taken_back = run_admin(
        "--json", "service", "update", service_b, "--undelegate-payee", ORGANIZATION_A, env=env
    )
    assert taken_back.returncode == 0, taken_back.stderr
    body = _status_once(offline_host, key_b, fiscal_code, message_id, shown=False)
    assert body["paid_at"] is None
