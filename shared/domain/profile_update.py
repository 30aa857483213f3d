"""A citizen's profile as the citizen app reads and writes it, and the rules a new one obeys.

The citizen app's back end PUTs the whole profile: every field it leaves out takes the
default of a new profile (see `Profile`), so a PUT never merges with what was stored. The
document a GET returns is a valid PUT body that stores the same profile again.

A body is checked in two passes, each naming every error it finds: first its shape (types,
enums, formats), then the rules below.
- At least one preferred language, none given twice; no service blocked twice.
- Service ids (the keys of `service_preferences`) must be service ids. They need not name
  a registered service: a preference for a service that is gone is harmless, and refusing
  it would make a stored profile impossible to PUT back.
- The preference mode says which of the two collections is in force: `blocked_services`
  in LEGACY, `service_preferences` in AUTO and MANUAL. The other one must be empty (or left
  out): a non-empty one is refused, pointing at it, rather than stored and never applied.
- `fiscal_code` may be sent (a GET's document carries it) but must be the one in the path;
  it may be left out, but not sent as `null` (only `push_installation_id` may be null).
Unknown fields are refused: since a PUT replaces everything, a misspelled field would
otherwise silently reset the real one to its default.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from shared.domain.errors import FieldError
from shared.domain.profile import (
    DEFAULT_LANGUAGES,
    PreferenceMode,
    Profile,
    PushContent,
    ReminderConsent,
)
from shared.domain.profile_change import LANGUAGE_PATTERN
from shared.domain.service import SERVICE_ID_PATTERN, is_valid_service_id
from shared.domain.validation import json_pointer

# The citizen app's push installation: an opaque token of URL-safe characters, bounded.
PUSH_INSTALLATION_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"

Language = Annotated[str, Field(pattern=LANGUAGE_PATTERN)]
ServiceId = Annotated[str, Field(pattern=SERVICE_ID_PATTERN)]
PushInstallationId = Annotated[str, Field(pattern=PUSH_INSTALLATION_ID_PATTERN)]


class ProfileUpdate(BaseModel):
    """The body of `PUT /api/v1/citizens/{fiscal_code}/profile`; defaults are a new
    profile's (a test ties them to `Profile`'s)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    fiscal_code: str | None = None
    is_inbox_enabled: bool = True
    preferred_languages: tuple[Language, ...] = DEFAULT_LANGUAGES
    preference_mode: PreferenceMode = PreferenceMode.AUTO
    blocked_services: tuple[ServiceId, ...] = ()
    service_preferences: dict[str, bool] = Field(default_factory=dict)
    reminders: ReminderConsent = ReminderConsent.DISABLED
    share_read_status: bool = True
    push_installation_id: PushInstallationId | None = None
    is_new_message_push_enabled: bool = True
    push_notifications_content_type: PushContent = PushContent.ANONYMOUS

    @field_validator("fiscal_code")
    @classmethod
    def _fiscal_code_not_null(cls, value: str | None) -> str | None:
        # Left out is None; sent, it must be a code: `null` is for push_installation_id only.
        if value is None:
            raise PydanticCustomError("string_type", "Input should be a valid string")
        return value

    def rule_errors(self, fiscal_code: str) -> list[FieldError]:
        """What breaks the rules of the module's docstring, for the citizen `fiscal_code`."""
        errors: list[FieldError] = []
        if self.fiscal_code is not None and self.fiscal_code != fiscal_code:
            detail = "must be the fiscal code in the path, or be left out"
            errors.append(FieldError("conflict", detail, "/fiscal_code"))
        if not self.preferred_languages:
            detail = "give at least one language"
            errors.append(FieldError("required", detail, "/preferred_languages"))
        errors += _duplicates(self.preferred_languages, "preferred_languages")
        errors += _duplicates(self.blocked_services, "blocked_services")
        for service_id in self.service_preferences:
            if not is_valid_service_id(service_id):
                detail = "not a service id: 1 to 64 letters, digits, '.', '_' or '-'"
                pointer = json_pointer(("service_preferences", service_id))
                errors.append(FieldError("invalid_service_id", detail, pointer))
        errors += self._mode_errors()
        return errors

    def _mode_errors(self) -> list[FieldError]:
        if self.preference_mode is PreferenceMode.LEGACY and self.service_preferences:
            detail = "LEGACY mode has no per-service choices: send blocked_services instead"
            return [FieldError("not_in_mode", detail, "/service_preferences")]
        if self.preference_mode is not PreferenceMode.LEGACY and self.blocked_services:
            detail = (
                f"{self.preference_mode.value} mode has no block list: "
                "send service_preferences with false instead"
            )
            return [FieldError("not_in_mode", detail, "/blocked_services")]
        return []

    def to_profile(self, fiscal_code: str) -> Profile:
        """The profile this body describes, for the citizen `fiscal_code`."""
        return Profile(
            fiscal_code=fiscal_code,
            inbox_enabled=self.is_inbox_enabled,
            preferred_languages=self.preferred_languages,
            preference_mode=self.preference_mode,
            blocked_service_ids=frozenset(self.blocked_services),
            service_preferences=dict(self.service_preferences),
            reminders=self.reminders,
            share_read_status=self.share_read_status,
            push_installation_id=self.push_installation_id,
            new_message_pushes=self.is_new_message_push_enabled,
            push_content=self.push_notifications_content_type,
        )


def _duplicates(values: tuple[str, ...], field: str) -> list[FieldError]:
    errors = []
    first_index: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in first_index:
            detail = f"given already at /{field}/{first_index[value]}"
            errors.append(FieldError("duplicate", detail, f"/{field}/{index}"))
        else:
            first_index[value] = index
    return errors


def profile_document(profile: Profile) -> dict[str, Any]:
    """The profile as the citizen API shows it: the field names a PUT takes, plus the
    fiscal code; collections in a stable order."""
    return {
        "fiscal_code": profile.fiscal_code,
        "is_inbox_enabled": profile.inbox_enabled,
        "preferred_languages": list(profile.preferred_languages),
        "preference_mode": profile.preference_mode.value,
        "blocked_services": sorted(profile.blocked_service_ids),
        "service_preferences": dict(sorted(profile.service_preferences.items())),
        "reminders": profile.reminders.value,
        "share_read_status": profile.share_read_status,
        "push_installation_id": profile.push_installation_id,
        "is_new_message_push_enabled": profile.new_message_pushes,
        "push_notifications_content_type": profile.push_content.value,
    }
