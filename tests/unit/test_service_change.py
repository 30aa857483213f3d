"""Reading an operator's service settings from text, and applying them to a service."""

from __future__ import annotations

import ipaddress

import pytest

from shared.domain.errors import ValidationError
from shared.domain.service import RateLimit, Tier
from shared.domain.service_change import ServiceChange, parse_service_change
from tests.builders import FISCAL_CODE, OTHER_FISCAL_CODE, a_service


def _pointers(**text) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_service_change(**text)
    return [error.pointer for error in caught.value.errors]


def test_reads_every_setting_from_text():
    change = parse_service_change(
        tier="premium",
        is_limited=True,
        add_recipients=[FISCAL_CODE],
        authorized_cidrs=["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"],
        max_allowed_payment_amount="150000",
        rate_limit="300/10",
    )
    assert change == ServiceChange(
        tier=Tier.PREMIUM,
        is_limited=True,
        add_recipients=(FISCAL_CODE,),
        authorized_cidrs=(
            ipaddress.ip_network("203.0.113.0/24"),
            ipaddress.ip_network("2001:db8::/32"),
            ipaddress.ip_network("198.51.100.7/32"),
        ),
        max_allowed_payment_amount=150000,
        rate_limit=RateLimit(requests=300, window_seconds=10),
    )


def test_names_every_bad_value_at_once():
    pointers = _pointers(
        tier="GOLD",
        add_recipients=[FISCAL_CODE, "RSSMRA80A01H501X"],
        authorized_cidrs=["10.0.0.0/8", "10.0.0.300/8"],
        max_allowed_payment_amount="-5",
        rate_limit="abc",
    )
    assert pointers == [
        "/tier",
        "/add_recipients/1",
        "/authorized_cidrs/1",
        "/max_allowed_payment_amount",
        "/rate_limit",
    ]


@pytest.mark.parametrize(
    "rate_limit", ["abc", "150", "150/", "/5", "0/5", "150/0", "150/3601", "1.5/5", "-1/5"]
)
def test_refuses_a_rate_limit_that_is_not_requests_per_1_to_3600_seconds(rate_limit):
    assert _pointers(rate_limit=rate_limit) == ["/rate_limit"]


@pytest.mark.parametrize("amount", ["", "abc", "1.5", "-1", "10000000000", "١٢"])
def test_refuses_a_payment_amount_that_is_not_0_to_9999999999_cents(amount):
    assert _pointers(max_allowed_payment_amount=amount) == ["/max_allowed_payment_amount"]


def test_a_cidr_with_host_bits_is_refused_with_its_network_suggested():
    with pytest.raises(ValidationError) as caught:
        parse_service_change(authorized_cidrs=["10.1.2.3/8"])
    assert "10.0.0.0/8" in caught.value.errors[0].detail


def test_a_bad_fiscal_code_is_not_echoed_in_the_error():
    with pytest.raises(ValidationError) as caught:
        parse_service_change(remove_recipients=["RSSMRA80A01H501X"])
    assert "RSSMRA80A01H501X" not in caught.value.errors[0].detail


def test_adding_and_removing_the_same_recipient_is_refused():
    assert _pointers(add_recipients=[FISCAL_CODE], remove_recipients=[FISCAL_CODE]) == [
        "/remove_recipients/0"
    ]


def test_applying_changes_only_what_is_given():
    service = a_service(
        tier=Tier.PREMIUM,
        authorized_recipients=frozenset({FISCAL_CODE}),
        authorized_cidrs=(ipaddress.ip_network("203.0.113.0/24"),),
        max_allowed_payment_amount=500,
    )
    changed = ServiceChange(is_limited=True, add_recipients=(OTHER_FISCAL_CODE,)).applied_to(
        service
    )
    assert changed == service.model_copy(
        update={
            "is_limited": True,
            "authorized_recipients": frozenset({FISCAL_CODE, OTHER_FISCAL_CODE}),
        }
    )


def test_an_empty_cidr_list_clears_the_networks_and_removed_recipients_go():
    service = a_service(
        authorized_recipients=frozenset({FISCAL_CODE, OTHER_FISCAL_CODE}),
        authorized_cidrs=(ipaddress.ip_network("203.0.113.0/24"),),
    )
    changed = ServiceChange(authorized_cidrs=(), remove_recipients=(FISCAL_CODE,)).applied_to(
        service
    )
    assert changed.authorized_cidrs == ()
    assert changed.authorized_recipients == frozenset({OTHER_FISCAL_CODE})


def test_only_a_change_with_nothing_in_it_is_empty():
    assert ServiceChange().is_empty
    assert not ServiceChange(is_limited=False).is_empty
    assert not ServiceChange(authorized_cidrs=()).is_empty
