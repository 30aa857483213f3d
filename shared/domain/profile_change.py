"""An operator's change to a citizen's profile, and how to read one from what they typed.

"Allow" and "block" mean what the profile's preference mode (after the change) makes of them:
- LEGACY: block adds the service to the citizen's block list, allow takes it off;
- AUTO and MANUAL: each sets the citizen's explicit choice for the service (allow: may write,
  block: may not), over the mode's default (AUTO: may write, MANUAL: may not).
Switching mode carries the citizen's refusals over, so nobody they turned off can write to
them just because the mode changed: a LEGACY block list becomes choices "may not", and
choices "may not" become a LEGACY block list. Choices "may" carry over between AUTO and
MANUAL; LEGACY has no such thing (every service not blocked may write).

New-message pushes are switched `on` or `off`, and show `anonymous` or `full` content
(PushContent), in any letter case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.domain.errors import FieldError, ValidationError
from shared.domain.profile import PreferenceMode, Profile, PushContent, ReminderConsent
from shared.domain.service import is_valid_service_id

# IO's preferred languages are locales such as it_IT, en_GB, de_DE.
LANGUAGE_PATTERN = r"^[a-z]{2}_[A-Z]{2}$"
_LANGUAGE_RE = re.compile(LANGUAGE_PATTERN)
_SWITCH = {"on": True, "off": False}


@dataclass(frozen=True)
class ProfileChange:
    """New values for some of a profile's fields; None (or empty) leaves a field as it is.

    Languages, when given, replace the list. `allow` and `block` are service ids.
    """

    inbox_enabled: bool | None = None
    preferred_languages: tuple[str, ...] | None = None
    preference_mode: PreferenceMode | None = None
    allow: tuple[str, ...] = ()
    block: tuple[str, ...] = ()
    new_message_pushes: bool | None = None
    push_content: PushContent | None = None
    reminders: ReminderConsent | None = None
    share_read_status: bool | None = None

    def applied_to(self, profile: Profile) -> Profile:
        """`profile` with this change made (see the module's docstring for allow/block)."""
        mode = self.preference_mode or profile.preference_mode
        blocked, choices = _choices_in_mode(profile, mode)
        if mode is PreferenceMode.LEGACY:
            blocked = (blocked - set(self.allow)) | set(self.block)
        else:
            choices = {
                **choices,
                **dict.fromkeys(self.allow, True),
                **dict.fromkeys(self.block, False),
            }
        updates: dict[str, Any] = {
            "preference_mode": mode,
            "blocked_service_ids": frozenset(blocked),
            "service_preferences": choices,
        }
        if self.inbox_enabled is not None:
            updates["inbox_enabled"] = self.inbox_enabled
        if self.preferred_languages is not None:
            updates["preferred_languages"] = self.preferred_languages
        if self.new_message_pushes is not None:
            updates["new_message_pushes"] = self.new_message_pushes
        if self.push_content is not None:
            updates["push_content"] = self.push_content
        if self.reminders is not None:
            updates["reminders"] = self.reminders
        if self.share_read_status is not None:
            updates["share_read_status"] = self.share_read_status
        return Profile.model_validate({**profile.model_dump(), **updates})


def _choices_in_mode(profile: Profile, mode: PreferenceMode) -> tuple[set[str], dict[str, bool]]:
    """The profile's block list and per-service choices, carried over into `mode`."""
    was_legacy = profile.preference_mode is PreferenceMode.LEGACY
    if was_legacy == (mode is PreferenceMode.LEGACY):
        return set(profile.blocked_service_ids), dict(profile.service_preferences)
    if was_legacy:
        return set(), dict.fromkeys(sorted(profile.blocked_service_ids), False)
    refused = {service_id for service_id, may in profile.service_preferences.items() if not may}
    return refused, {}


def _mode(text: str, errors: list[FieldError]) -> PreferenceMode | None:
    try:
        return PreferenceMode(text.strip().upper())
    except ValueError:
        choices = ", ".join(mode.value for mode in PreferenceMode)
        detail = f"{text!r} is not one of {choices}"
        errors.append(FieldError("invalid_choice", detail, "/preference_mode"))
        return None


def _switch(text: str, errors: list[FieldError], field: str) -> bool | None:
    switch = _SWITCH.get(text.strip().lower())
    if switch is None:
        detail = f"{text!r} is not on or off"
        errors.append(FieldError("invalid_choice", detail, f"/{field}"))
    return switch


def _reminders(text: str, errors: list[FieldError]) -> ReminderConsent | None:
    try:
        return ReminderConsent(text.strip().upper())
    except ValueError:
        choices = ", ".join(consent.value.lower() for consent in ReminderConsent)
        detail = f"{text!r} is not one of {choices}"
        errors.append(FieldError("invalid_choice", detail, "/reminders"))
        return None


def _push_content(text: str, errors: list[FieldError]) -> PushContent | None:
    try:
        return PushContent(text.strip().upper())
    except ValueError:
        choices = ", ".join(content.value.lower() for content in PushContent)
        detail = f"{text!r} is not one of {choices}"
        errors.append(FieldError("invalid_choice", detail, "/push_content"))
        return None


def _languages(values: Sequence[str], errors: list[FieldError]) -> tuple[str, ...]:
    if not values:
        detail = "give at least one language"
        errors.append(FieldError("required", detail, "/preferred_languages"))
    for index, value in enumerate(values):
        if not _LANGUAGE_RE.fullmatch(value):
            detail = f"{value!r} is not a language and country such as it_IT or de_DE"
            errors.append(FieldError("invalid_language", detail, f"/preferred_languages/{index}"))
    return tuple(dict.fromkeys(values))


def _service_ids(values: Sequence[str], field: str, errors: list[FieldError]) -> tuple[str, ...]:
    for index, value in enumerate(values):
        if not is_valid_service_id(value):
            detail = f"{value!r} is not a service id"
            errors.append(FieldError("invalid_service_id", detail, f"/{field}/{index}"))
    return tuple(values)


def parse_profile_change(
    *,
    inbox_enabled: bool | None = None,
    preferred_languages: Sequence[str] | None = None,
    preference_mode: str | None = None,
    allow: Sequence[str] = (),
    block: Sequence[str] = (),
    new_message_pushes: str | None = None,
    push_content: str | None = None,
    reminders: str | None = None,
    share_read_status: str | None = None,
) -> ProfileChange:
    """Read a change from an operator's text: a mode name, locales, service ids, on or
    off for new-message pushes, anonymous or full for their content, enabled or disabled
    for reminders, on or off for sharing read status.

    Raises ValidationError naming every bad value at once (a service both allowed and
    blocked is one of them).
    """
    errors: list[FieldError] = []
    change = ProfileChange(
        inbox_enabled=inbox_enabled,
        preferred_languages=(
            None if preferred_languages is None else _languages(preferred_languages, errors)
        ),
        preference_mode=None if preference_mode is None else _mode(preference_mode, errors),
        allow=_service_ids(allow, "allow", errors),
        block=_service_ids(block, "block", errors),
        new_message_pushes=(
            None
            if new_message_pushes is None
            else _switch(new_message_pushes, errors, "new_message_pushes")
        ),
        push_content=None if push_content is None else _push_content(push_content, errors),
        reminders=None if reminders is None else _reminders(reminders, errors),
        share_read_status=(
            None
            if share_read_status is None
            else _switch(share_read_status, errors, "share_read_status")
        ),
    )
    for index, value in enumerate(change.block):
        if value in change.allow:
            detail = f"service {value!r} is also being allowed"
            errors.append(FieldError("conflict", detail, f"/block/{index}"))
    if errors:
        raise ValidationError(errors)
    return change
