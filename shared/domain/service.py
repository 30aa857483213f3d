"""Services: the senders. A service belongs to an institution and signs a contract tier."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Tier(StrEnum):
    BASIC = "BASIC"
    PREMIUM = "PREMIUM"


class Service(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    organization_name: str
    organization_fiscal_code: str
    department_name: str = ""
    tier: Tier = Tier.BASIC
