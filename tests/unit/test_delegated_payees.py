"""The operator delegates payees to a service: organizations whose notices' payments the
service may see besides its own organization's. Read from the operator's text, applied to
the service one by one."""

from __future__ import annotations

import pytest

from shared.domain.errors import ValidationError
from shared.domain.service_change import ServiceChange, parse_service_change
from tests.builders import a_service

OWN = "01234567890"
PAYEE_A = "98765432109"
PAYEE_B = "11111111111"


def test_reads_payees_to_delegate_and_to_take_back():
    change = parse_service_change(
        delegate_payees=[PAYEE_A, f" {PAYEE_B} "], undelegate_payees=[OWN]
    )
    assert change == ServiceChange(delegate_payees=(PAYEE_A, PAYEE_B), undelegate_payees=(OWN,))
    assert not change.is_empty


def test_names_every_bad_payee_at_once():
    with pytest.raises(ValidationError) as caught:
        parse_service_change(
            delegate_payees=[PAYEE_A, "0123456789", "RSSMRA80A01H501U"],
            undelegate_payees=["abc"],
        )
    assert [(error.pointer, error.code) for error in caught.value.errors] == [
        ("/delegate_payees/1", "pattern_mismatch"),
        ("/delegate_payees/2", "pattern_mismatch"),
        ("/undelegate_payees/0", "pattern_mismatch"),
    ]


def test_delegating_and_taking_back_the_same_payee_at_once_is_a_conflict():
    with pytest.raises(ValidationError) as caught:
        parse_service_change(delegate_payees=[PAYEE_A], undelegate_payees=[PAYEE_B, PAYEE_A])
    assert [(error.pointer, error.code) for error in caught.value.errors] == [
        ("/undelegate_payees/1", "conflict")
    ]


def test_payees_are_delegated_and_taken_back_one_by_one():
    service = ServiceChange(delegate_payees=(PAYEE_A, PAYEE_B)).applied_to(a_service())
    assert service.delegated_payees == frozenset({PAYEE_A, PAYEE_B})
    service = ServiceChange(undelegate_payees=(PAYEE_A,)).applied_to(service)
    assert service.delegated_payees == frozenset({PAYEE_B})
    assert service.may_know_payments_to(PAYEE_B)
    assert not service.may_know_payments_to(PAYEE_A)


def test_the_services_own_organization_is_always_its_payee():
    service = a_service(organization_fiscal_code=OWN)
    assert service.may_know_payments_to(OWN)
    assert not service.may_know_payments_to(PAYEE_A)


def test_other_changes_keep_the_delegated_payees():
    service = ServiceChange(delegate_payees=(PAYEE_A,)).applied_to(a_service())
    changed = ServiceChange(max_allowed_payment_amount=100).applied_to(service)
    assert changed.delegated_payees == frozenset({PAYEE_A})
