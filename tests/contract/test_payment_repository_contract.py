"""The PaymentRepository contract, for the fake and Cosmos DB: one record per notice, created
once, then changed only by replaces conditional on the version read."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from shared.domain.errors import AlreadyExistsError, ConcurrentUpdateError
from shared.domain.payment import Payment, ReversedPayment, payment_id

PAYEE = "01234567890"
PAID_AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
RECORDED_AT = datetime(2026, 11, 22, 10, 0, 3, tzinfo=UTC)
REVERSED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


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


def test_the_first_record_of_a_notice_is_added_with_a_version(payment_repository):
    payment = _payment(_notice())
    stored = payment_repository.add(payment)
    assert stored.version is not None
    assert stored == payment.model_copy(update={"version": stored.version})


def test_a_second_add_of_a_notice_fails_and_keeps_the_first(payment_repository):
    notice = _notice()
    first = payment_repository.add(_payment(notice))
    later = _payment(notice, paid_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    with pytest.raises(AlreadyExistsError):
        payment_repository.add(later)
    assert payment_repository.get(PAYEE, notice) == first


def test_get_finds_a_record_with_its_version(payment_repository):
    stored = payment_repository.add(_payment(_notice()))
    found = payment_repository.get(PAYEE, stored.notice_number)
    assert found == stored
    assert found.version == stored.version


def test_get_of_an_unknown_notice_is_none(payment_repository):
    assert payment_repository.get(PAYEE, _notice()) is None


def test_a_replace_on_the_version_read_stores_the_change_with_a_new_version(payment_repository):
    # GIVEN a recorded payment
    stored = payment_repository.add(_payment(_notice()))
    # WHEN it is reversed, then paid again, each on the version just read
    reversed_ = payment_repository.replace(stored.model_copy(update={"reversed_at": REVERSED_AT}))
    paid_again = stored.model_copy(
        update={
            "paid_at": REVERSED_AT,
            "reversed_payments": (ReversedPayment(paid_at=PAID_AT, reversed_at=REVERSED_AT),),
            "version": reversed_.version,
        }
    )
    saved = payment_repository.replace(paid_again)
    # THEN every change is stored, each with a new version
    assert len({stored.version, reversed_.version, saved.version}) == 3
    assert reversed_.reversed_at == REVERSED_AT
    found = payment_repository.get(PAYEE, stored.notice_number)
    assert found == saved
    assert found.reversed_at is None
    assert found.reversed_payments == (ReversedPayment(paid_at=PAID_AT, reversed_at=REVERSED_AT),)


def test_a_replace_on_a_stale_version_fails_and_changes_nothing(payment_repository):
    stored = payment_repository.add(_payment(_notice()))
    changed = payment_repository.replace(stored.model_copy(update={"reversed_at": REVERSED_AT}))
    with pytest.raises(ConcurrentUpdateError):
        payment_repository.replace(stored.model_copy(update={"paid_at": REVERSED_AT}))
    assert payment_repository.get(PAYEE, stored.notice_number) == changed


def test_a_replace_of_a_notice_never_recorded_fails(payment_repository):
    never_added = _payment(_notice()).model_copy(update={"version": '"0000-0000"'})
    with pytest.raises(ConcurrentUpdateError):
        payment_repository.replace(never_added)
    assert payment_repository.get(PAYEE, never_added.notice_number) is None


def test_different_notices_and_payees_do_not_collide(payment_repository):
    notice, other_notice = _notice(), _notice()
    payment_repository.add(_payment(notice))
    payment_repository.add(_payment(other_notice))
    payment_repository.add(_payment(notice, payee="98765432109"))
    assert payment_repository.get("98765432109", other_notice) is None
    found = payment_repository.get(PAYEE, other_notice)
    assert found is not None
    assert found.notice_number == other_notice
