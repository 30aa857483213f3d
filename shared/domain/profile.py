"""Citizen profiles: who is registered in the app and whether their inbox is open."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.message import RejectionReason

DEFAULT_LANGUAGES = ("it_IT",)


class Profile(BaseModel):
    model_config = ConfigDict(frozen=True)

    fiscal_code: str
    inbox_enabled: bool = True
    preferred_languages: tuple[str, ...] = DEFAULT_LANGUAGES
    blocked_service_ids: frozenset[str] = Field(default_factory=frozenset)

    def refusal_reason(self, service_id: str) -> RejectionReason | None:
        """Why this citizen does not take messages from `service_id`, or None if they do."""
        if not self.inbox_enabled or service_id in self.blocked_service_ids:
            return RejectionReason.SERVICE_NOT_ALLOWED
        return None
