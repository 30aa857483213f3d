"""An operator's change to a service's settings, and how to read one from what they typed.

Pointers in the errors name the change's fields (`/rate_limit`, `/authorized_cidrs/1`), so an
entry point can tell the operator which of its own flags or fields was wrong.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.domain.errors import FieldError, ValidationError
from shared.domain.fiscal_code import is_valid_fiscal_code
from shared.domain.message import ORGANIZATION_FISCAL_CODE_PATTERN
from shared.domain.service import (
    MAX_PAYMENT_AMOUNT,
    MAX_RATE_LIMIT_WINDOW_SECONDS,
    Network,
    RateLimit,
    Service,
    Tier,
)
from shared.domain.service_metadata import (
    ServiceScope,
    contact_email_errors,
    name_errors,
    parse_scope,
    privacy_url_errors,
    topic_errors,
)

RATE_LIMIT_SYNTAX = "REQUESTS/SECONDS"
_RATE_LIMIT_RE = re.compile(r"^([0-9]+)/([0-9]+)$")
_WHOLE_NUMBER_RE = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class ServiceChange:
    """New values for some of a service's settings; None (or empty) leaves a setting as it is.

    Recipients and delegated payees are added and removed one by one; CIDRs, when given,
    replace the whole list (an empty tuple clears it: the service may then call from
    anywhere).
    """

    tier: Tier | None = None
    is_limited: bool | None = None
    add_recipients: tuple[str, ...] = ()
    remove_recipients: tuple[str, ...] = ()
    authorized_cidrs: tuple[Network, ...] | None = None
    max_allowed_payment_amount: int | None = None
    rate_limit: RateLimit | None = None
    delegate_payees: tuple[str, ...] = ()
    undelegate_payees: tuple[str, ...] = ()
    name: str | None = None
    contact_email: str | None = None
    privacy_url: str | None = None
    topic: str | None = None
    scope: ServiceScope | None = None

    @property
    def is_empty(self) -> bool:
        return self == ServiceChange()

    def applied_to(self, service: Service) -> Service:
        """`service` with this change made, validated again as a whole."""
        recipients = (service.authorized_recipients | set(self.add_recipients)) - set(
            self.remove_recipients
        )
        payees = (service.delegated_payees | set(self.delegate_payees)) - set(
            self.undelegate_payees
        )
        updates: dict[str, Any] = {"authorized_recipients": recipients, "delegated_payees": payees}
        optional = {
            "tier": self.tier,
            "is_limited": self.is_limited,
            "authorized_cidrs": self.authorized_cidrs,
            "max_allowed_payment_amount": self.max_allowed_payment_amount,
            "rate_limit": self.rate_limit,
            "name": self.name,
            "contact_email": self.contact_email,
            "privacy_url": self.privacy_url,
            "topic": self.topic,
            "scope": self.scope,
        }
        updates.update({name: value for name, value in optional.items() if value is not None})
        return Service.model_validate({**service.model_dump(), **updates})


def _tier(text: str, errors: list[FieldError]) -> Tier | None:
    try:
        return Tier(text.strip().upper())
    except ValueError:
        choices = ", ".join(tier.value for tier in Tier)
        errors.append(FieldError("invalid_choice", f"{text!r} is not one of {choices}", "/tier"))
        return None


def _fiscal_codes(values: Sequence[str], field: str, errors: list[FieldError]) -> tuple[str, ...]:
    for index, value in enumerate(values):
        if not is_valid_fiscal_code(value):
            # The value is not echoed: even a mistyped fiscal code is personal data.
            detail = "not a valid fiscal code (16 characters, check character included)"
            errors.append(FieldError("invalid_fiscal_code", detail, f"/{field}/{index}"))
    return tuple(values)


def _payees(values: Sequence[str], field: str, errors: list[FieldError]) -> tuple[str, ...]:
    payees = tuple(value.strip() for value in values)
    for index, value in enumerate(payees):
        if not re.fullmatch(ORGANIZATION_FISCAL_CODE_PATTERN, value):
            detail = f"{value!r} is not an organization's fiscal code (11 digits)"
            errors.append(FieldError("pattern_mismatch", detail, f"/{field}/{index}"))
    return payees


def _cidrs(values: Sequence[str], errors: list[FieldError]) -> tuple[Network, ...]:
    networks: list[Network] = []
    for index, value in enumerate(values):
        pointer = f"/authorized_cidrs/{index}"
        try:
            network = ipaddress.ip_network(value.strip(), strict=True)
        except ValueError:
            try:
                loose = ipaddress.ip_network(value.strip(), strict=False)
            except ValueError:
                detail = f"{value!r} is not a network in CIDR notation, e.g. 203.0.113.0/24"
                errors.append(FieldError("invalid_cidr", detail, pointer))
            else:
                detail = f"{value!r} has host bits set: did you mean {loose}?"
                errors.append(FieldError("invalid_cidr", detail, pointer))
            continue
        if network not in networks:
            networks.append(network)
    return tuple(networks)


def _payment_amount(text: str, errors: list[FieldError]) -> int | None:
    value = text.strip()
    if _WHOLE_NUMBER_RE.fullmatch(value) and int(value) <= MAX_PAYMENT_AMOUNT:
        return int(value)
    detail = (
        f"{text!r} is not a whole number of euro cents from 0 (no payment notices) "
        f"to {MAX_PAYMENT_AMOUNT}"
    )
    errors.append(FieldError("out_of_range", detail, "/max_allowed_payment_amount"))
    return None


def _rate_limit(text: str, errors: list[FieldError]) -> RateLimit | None:
    match = _RATE_LIMIT_RE.fullmatch(text.replace(" ", ""))
    if match is None:
        detail = f"{text!r} is not {RATE_LIMIT_SYNTAX}, e.g. 150/5 (150 requests per 5 seconds)"
        errors.append(FieldError("invalid_rate_limit", detail, "/rate_limit"))
        return None
    requests, seconds = int(match[1]), int(match[2])
    if requests < 1 or not 1 <= seconds <= MAX_RATE_LIMIT_WINDOW_SECONDS:
        detail = (
            f"{text!r}: at least 1 request per window of 1 to "
            f"{MAX_RATE_LIMIT_WINDOW_SECONDS} seconds"
        )
        errors.append(FieldError("out_of_range", detail, "/rate_limit"))
        return None
    return RateLimit(requests=requests, window_seconds=seconds)


def _stripped(text: str | None) -> str | None:
    return None if text is None else text.strip()


def _checked(
    value: str | None, check: Callable[[str], list[FieldError]], errors: list[FieldError]
) -> str | None:
    if value is None:
        return None
    found = check(value)
    errors.extend(found)
    return None if found else value


def parse_service_change(
    *,
    tier: str | None = None,
    is_limited: bool | None = None,
    add_recipients: Sequence[str] = (),
    remove_recipients: Sequence[str] = (),
    authorized_cidrs: Sequence[str] | None = None,
    max_allowed_payment_amount: str | None = None,
    rate_limit: str | None = None,
    delegate_payees: Sequence[str] = (),
    undelegate_payees: Sequence[str] = (),
    name: str | None = None,
    contact_email: str | None = None,
    privacy_url: str | None = None,
    topic: str | None = None,
    scope: str | None = None,
) -> ServiceChange:
    """Read a change from an operator's text: a tier name, fiscal codes, CIDRs, euro cents,
    a rate limit as REQUESTS/SECONDS, organizations' fiscal codes (payees), and the
    service's name and metadata (an e-mail address, an https URL, a topic, a scope).

    Raises ValidationError naming every bad value at once.
    """
    errors: list[FieldError] = []
    change = ServiceChange(
        tier=None if tier is None else _tier(tier, errors),
        is_limited=is_limited,
        add_recipients=_fiscal_codes(add_recipients, "add_recipients", errors),
        remove_recipients=_fiscal_codes(remove_recipients, "remove_recipients", errors),
        authorized_cidrs=None if authorized_cidrs is None else _cidrs(authorized_cidrs, errors),
        max_allowed_payment_amount=(
            None
            if max_allowed_payment_amount is None
            else _payment_amount(max_allowed_payment_amount, errors)
        ),
        rate_limit=None if rate_limit is None else _rate_limit(rate_limit, errors),
        delegate_payees=_payees(delegate_payees, "delegate_payees", errors),
        undelegate_payees=_payees(undelegate_payees, "undelegate_payees", errors),
        name=_checked(_stripped(name), name_errors, errors),
        contact_email=_checked(_stripped(contact_email), contact_email_errors, errors),
        privacy_url=_checked(_stripped(privacy_url), privacy_url_errors, errors),
        topic=_checked(_stripped(topic), topic_errors, errors),
        scope=None if scope is None else parse_scope(scope, errors),
    )
    both = set(change.add_recipients) & set(change.remove_recipients)
    for index, value in enumerate(change.remove_recipients):
        if value in both:
            detail = "the same fiscal code is also being added"
            errors.append(FieldError("conflict", detail, f"/remove_recipients/{index}"))
    both = set(change.delegate_payees) & set(change.undelegate_payees)
    for index, value in enumerate(change.undelegate_payees):
        if value in both:
            detail = "the same payee is also being delegated"
            errors.append(FieldError("conflict", detail, f"/undelegate_payees/{index}"))
    if errors:
        raise ValidationError(errors)
    return change
