"""The PaymentRepository contract, for the fake and Cosmos DB."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from shared.domain.payment import Payment, payment_id

PAYEE = "01234567890"
PAID_AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
RECORDED_AT = datetime(2026, 11, 22, 10, 0, 3, tzinfo=UTC)


def _notice() -> str:
    # The emulator's store lives for the session: every test pays a notice of its own.
    return f"3{random.randrange(10**17):017d}"


def _payment(notice_number: str, payee: str = PAYEE, paid_at: datetime = PAID_AT) -> Payment:
    return Payment(
        id=payment_id(payee, notice_number),
        payee_fiscal_code=payee,
        notice_number=notice_number,
        paid_at=paid_at,
        recorded_at=RECORDED_AT,
    )


def test_the_first_record_of_a_notice_creates_it(payment_repository):
    payment = _payment(_notice())
    stored, created = payment_repository.record(payment)
    assert created
    assert stored == payment


def test_a_second_record_returns_the_first_unchanged(payment_repository):
    notice = _notice()
    first, _ = payment_repository.record(_payment(notice))
    later = _payment(notice, paid_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    stored, created = payment_repository.record(later)
    assert not created
    assert stored == first
    assert payment_repository.get(PAYEE, notice) == first


def test_get_finds_a_recorded_payment(payment_repository):
    payment = _payment(_notice())
    payment_repository.record(payment)
    assert payment_repository.get(PAYEE, payment.notice_number) == payment


def test_get_of_an_unknown_notice_is_none(payment_repository):
    assert payment_repository.get(PAYEE, _notice()) is None


def test_different_notices_do_not_collide(payment_repository):
    notice, other_notice = _notice(), _notice()
    payment_repository.record(_payment(notice))
    _, created = payment_repository.record(_payment(other_notice))
    _, created_for_other_payee = payment_repository.record(_payment(notice, payee="98765432109"))
    assert created
    assert created_for_other_payee
    assert payment_repository.get("98765432109", other_notice) is None
    assert payment_repository.get(PAYEE, other_notice) == _payment(other_notice)
