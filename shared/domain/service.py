"""Services: the senders. A service belongs to an institution and signs a contract tier;
its settings say what it may send, to whom, from where and how often."""

from __future__ import annotations

import re
from datetime import datetime
from ipaddress import IPv4Network, IPv6Network
from typing import TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.callbacks import CallbackTarget
from shared.domain.compat import StrEnum
from shared.domain.errors import FieldError
from shared.domain.message import ORGANIZATION_FISCAL_CODE_PATTERN
from shared.domain.service_metadata import (
    MAX_EMAIL_LENGTH,
    MAX_PRIVACY_URL_LENGTH,
    MAX_TOPIC_LENGTH,
    ServiceScope,
    name_errors,
)

DEFAULT_RATE_LIMIT_REQUESTS = 150
DEFAULT_RATE_LIMIT_WINDOW_SECONDS = 5
MAX_RATE_LIMIT_WINDOW_SECONDS = 3600
# IO's ceiling for a payment notice's amount, in euro cents.
MAX_PAYMENT_AMOUNT = 9999999999
# Letters, digits and . _ - : nothing Cosmos DB forbids in an id (/ \ ? #) nor spaces.
SERVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_SERVICE_ID_RE = re.compile(SERVICE_ID_PATTERN)

Network: TypeAlias = IPv4Network | IPv6Network


class Tier(StrEnum):
    BASIC = "BASIC"
    PREMIUM = "PREMIUM"


class RateLimit(BaseModel):
    """At most `requests` calls per fixed window of `window_seconds` (IO: 150 per 5 s)."""

    model_config = ConfigDict(frozen=True)

    requests: int = Field(default=DEFAULT_RATE_LIMIT_REQUESTS, ge=1)
    window_seconds: int = Field(
        default=DEFAULT_RATE_LIMIT_WINDOW_SECONDS, ge=1, le=MAX_RATE_LIMIT_WINDOW_SECONDS
    )


class Service(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    organization_name: str
    organization_fiscal_code: str
    department_name: str = ""
    tier: Tier = Tier.BASIC
    # Euro cents; 0 means the service may not send payment notices (IO's default).
    max_allowed_payment_amount: int = Field(default=0, ge=0, le=MAX_PAYMENT_AMOUNT)
    # Networks the service may call from; empty means any.
    authorized_cidrs: tuple[Network, ...] = ()
    # A limited (trial) service may only write to its authorized recipients.
    is_limited: bool = False
    authorized_recipients: frozenset[str] = frozenset()
    rate_limit: RateLimit = RateLimit()
    # Organizations (fiscal codes) whose notices' payments the operator lets this service
    # see, besides its own organization's: e.g. a service that collects for others.
    delegated_payees: frozenset[str] = frozenset()
    # Where its messages' status events are POSTed, signed (none: no callbacks). Documents
    # stored before callbacks existed have no such field and load with None.
    callback: CallbackTarget | None = None
    # IO's service metadata (shared/domain/service_metadata.py); None: not given. Documents
    # stored before these existed load with None.
    contact_email: str | None = Field(default=None, max_length=MAX_EMAIL_LENGTH)
    privacy_url: str | None = Field(default=None, max_length=MAX_PRIVACY_URL_LENGTH)
    topic: str | None = Field(default=None, max_length=MAX_TOPIC_LENGTH)
    scope: ServiceScope | None = None
    # When the operator disabled it: its keys are then refused (403 service-disabled) and
    # nothing else changes. None: enabled.
    disabled_at: datetime | None = None

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    def may_know_payments_to(self, payee_fiscal_code: str) -> bool:
        """Whether this service may know that notices payable to this organization were
        paid: its own organization, or one the operator delegated to it."""
        return (
            payee_fiscal_code == self.organization_fiscal_code
            or payee_fiscal_code in self.delegated_payees
        )


def is_valid_service_id(value: str) -> bool:
    """True when `value` can be a service's id (see SERVICE_ID_PATTERN)."""
    return _SERVICE_ID_RE.fullmatch(value) is not None


def new_service_errors(
    *,
    name: str,
    organization_name: str,
    organization_fiscal_code: str,
    service_id: str | None = None,
) -> list[FieldError]:
    """What is wrong with a new service's names, organization code and chosen id."""
    errors = []
    if service_id is not None and not is_valid_service_id(service_id):
        detail = "a service id has 1 to 64 letters, digits, '.', '_' or '-', starting alphanumeric"
        errors.append(FieldError("pattern_mismatch", detail, "/id"))
    errors.extend(name_errors(name))
    if not organization_name.strip():
        detail = "the service needs its organization's name"
        errors.append(FieldError("required", detail, "/organization_name"))
    if not re.fullmatch(ORGANIZATION_FISCAL_CODE_PATTERN, organization_fiscal_code):
        detail = "an organization fiscal code has 11 digits"
        errors.append(FieldError("pattern_mismatch", detail, "/organization_fiscal_code"))
    return errors
