"""Services: the senders. A service belongs to an institution and signs a contract tier;
its settings say what it may send, to whom, from where and how often."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_RATE_LIMIT_REQUESTS = 150
DEFAULT_RATE_LIMIT_WINDOW_SECONDS = 5


class Tier(StrEnum):
    BASIC = "BASIC"
    PREMIUM = "PREMIUM"


class RateLimit(BaseModel):
    """At most `requests` calls per fixed window of `window_seconds` (IO: 150 per 5 s)."""

    model_config = ConfigDict(frozen=True)

    requests: int = Field(default=DEFAULT_RATE_LIMIT_REQUESTS, ge=1)
    window_seconds: int = Field(default=DEFAULT_RATE_LIMIT_WINDOW_SECONDS, ge=1, le=3600)


class Service(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    organization_name: str
    organization_fiscal_code: str
    department_name: str = ""
    tier: Tier = Tier.BASIC
    # Euro cents; 0 means the service may not send payment notices (IO's default).
    max_allowed_payment_amount: int = Field(default=0, ge=0, le=9999999999)
    # Networks the service may call from; empty means any.
    authorized_cidrs: tuple[IPv4Network | IPv6Network, ...] = ()
    # A limited (trial) service may only write to its authorized recipients.
    is_limited: bool = False
    authorized_recipients: frozenset[str] = frozenset()
    rate_limit: RateLimit = RateLimit()
