"""The citizen app's use cases on a citizen's profile, over the fakes."""

from __future__ import annotations

import logging

import pytest

from shared.domain.errors import NotFoundError, ValidationError
from shared.domain.profile import PreferenceMode, Profile
from shared.domain.profile_update import ProfileUpdate
from shared.services.citizen_profile import get_citizen_profile, put_citizen_profile
from tests.builders import FISCAL_CODE, OTHER_FISCAL_CODE
from tests.fakes import FakeProfileRepository

MALFORMED_FISCAL_CODE = "RSSMRA80A01H501X"  # wrong check character


@pytest.fixture
def profiles():
    return FakeProfileRepository()


def test_put_for_an_unknown_citizen_registers_them(profiles):
    # GIVEN nobody registered
    # WHEN the citizen app PUTs a profile
    saved = put_citizen_profile(
        FISCAL_CODE, ProfileUpdate(preferred_languages=("en_GB",)), profiles=profiles
    )
    # THEN it is stored and reported as created
    assert saved.created
    assert saved.profile == Profile(fiscal_code=FISCAL_CODE, preferred_languages=("en_GB",))
    assert profiles.get(FISCAL_CODE) == saved.profile


def test_put_replaces_the_whole_profile_leaving_nothing_of_the_old_one(profiles):
    # GIVEN a citizen with a closed inbox and a MANUAL choice
    profiles.save(
        Profile(
            fiscal_code=FISCAL_CODE,
            inbox_enabled=False,
            preference_mode=PreferenceMode.MANUAL,
            service_preferences={"svc-1": True},
            push_installation_id="inst-1",
        )
    )
    # WHEN the citizen app PUTs a body that only changes the languages
    saved = put_citizen_profile(
        FISCAL_CODE, ProfileUpdate(preferred_languages=("de_DE",)), profiles=profiles
    )
    # THEN the fields it left out are back to their defaults, and it was a replacement
    assert not saved.created
    assert profiles.get(FISCAL_CODE) == Profile(
        fiscal_code=FISCAL_CODE, preferred_languages=("de_DE",)
    )


def test_put_with_a_malformed_fiscal_code_and_a_broken_rule_names_both_and_stores_nothing(
    profiles,
):
    update = ProfileUpdate(preference_mode=PreferenceMode.LEGACY, service_preferences={"s": True})
    with pytest.raises(ValidationError) as caught:
        put_citizen_profile(MALFORMED_FISCAL_CODE, update, profiles=profiles)
    assert [error.pointer for error in caught.value.errors] == [
        "/fiscal_code",
        "/service_preferences",
    ]
    assert profiles.stored == {}


def test_put_with_another_citizens_fiscal_code_in_the_body_is_refused(profiles):
    with pytest.raises(ValidationError) as caught:
        put_citizen_profile(
            FISCAL_CODE, ProfileUpdate(fiscal_code=OTHER_FISCAL_CODE), profiles=profiles
        )
    assert [error.code for error in caught.value.errors] == ["conflict"]
    assert profiles.stored == {}


def test_put_never_logs_the_fiscal_code(profiles, caplog):
    with caplog.at_level(logging.DEBUG):
        put_citizen_profile(FISCAL_CODE, ProfileUpdate(), profiles=profiles)
        put_citizen_profile(FISCAL_CODE, ProfileUpdate(), profiles=profiles)
    assert caplog.records
    assert FISCAL_CODE not in caplog.text


def test_get_answers_the_stored_profile(profiles):
    stored = Profile(fiscal_code=FISCAL_CODE, share_read_status=False)
    profiles.save(stored)
    assert get_citizen_profile(FISCAL_CODE, profiles=profiles) == stored


def test_get_of_an_unregistered_citizen_is_not_found(profiles):
    with pytest.raises(NotFoundError):
        get_citizen_profile(FISCAL_CODE, profiles=profiles)


def test_get_with_a_malformed_fiscal_code_is_invalid(profiles):
    with pytest.raises(ValidationError) as caught:
        get_citizen_profile(MALFORMED_FISCAL_CODE, profiles=profiles)
    assert [error.pointer for error in caught.value.errors] == ["/fiscal_code"]
