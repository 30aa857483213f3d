"""IO's three preference modes decide whether a service may write to a citizen."""

from __future__ import annotations

import pytest

from shared.domain.message import RejectionReason
from shared.domain.profile import PreferenceMode, Profile
from tests.builders import FISCAL_CODE


def _profile(mode: PreferenceMode, **fields) -> Profile:
    return Profile(fiscal_code=FISCAL_CODE, preference_mode=mode, **fields)


@pytest.mark.parametrize(
    ("profile", "allowed"),
    [
        (_profile(PreferenceMode.LEGACY), True),
        (_profile(PreferenceMode.LEGACY, blocked_service_ids=frozenset({"svc"})), False),
        (_profile(PreferenceMode.LEGACY, blocked_service_ids=frozenset({"other"})), True),
        # A LEGACY profile ignores per-service choices made in the other modes.
        (_profile(PreferenceMode.LEGACY, service_preferences={"svc": False}), True),
        (_profile(PreferenceMode.AUTO), True),
        (_profile(PreferenceMode.AUTO, service_preferences={"svc": False}), False),
        (_profile(PreferenceMode.AUTO, service_preferences={"svc": True}), True),
        (_profile(PreferenceMode.AUTO, blocked_service_ids=frozenset({"svc"})), True),
        (_profile(PreferenceMode.MANUAL), False),
        (_profile(PreferenceMode.MANUAL, service_preferences={"svc": True}), True),
        (_profile(PreferenceMode.MANUAL, service_preferences={"other": True}), False),
    ],
)
def test_each_mode_applies_its_own_default_and_choices(profile, allowed):
    assert profile.allows("svc") is allowed
    expected = None if allowed else RejectionReason.SERVICE_NOT_ALLOWED
    assert profile.refusal_reason("svc") is expected


def test_a_closed_inbox_refuses_even_an_allowed_service():
    profile = _profile(PreferenceMode.AUTO, inbox_enabled=False, service_preferences={"svc": True})
    assert profile.refusal_reason("svc") is RejectionReason.SERVICE_NOT_ALLOWED


def test_new_profiles_are_in_auto_mode_as_in_io():
    assert Profile(fiscal_code=FISCAL_CODE).preference_mode is PreferenceMode.AUTO
