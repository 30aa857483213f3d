"""Operator use cases on citizens' profiles, over the fakes."""

from __future__ import annotations

import pytest

from shared.domain.errors import AlreadyExistsError, NotFoundError, ValidationError
from shared.domain.profile import PreferenceMode, Profile
from shared.domain.profile_change import ProfileChange
from shared.services.citizen_admin import read_profile, register_profile, update_profile
from tests.builders import FISCAL_CODE, a_service
from tests.fakes import FakeProfileRepository, FakeServiceRepository


@pytest.fixture
def profiles():
    return FakeProfileRepository()


@pytest.fixture
def services():
    services = FakeServiceRepository()
    services.add(a_service("svc-1"))
    services.add(a_service("svc-2"))
    return services


def test_register_stores_the_defaults_with_the_change_made(profiles, services):
    change = ProfileChange(preferred_languages=("de_DE",), block=("svc-1",))
    registered = register_profile(FISCAL_CODE, change, profiles=profiles, services=services)
    assert profiles.get(FISCAL_CODE) == registered
    assert registered == Profile(
        fiscal_code=FISCAL_CODE,
        preferred_languages=("de_DE",),
        service_preferences={"svc-1": False},
    )


def test_register_refuses_a_registered_citizen_and_keeps_the_profile(profiles, services):
    kept = Profile(
        fiscal_code=FISCAL_CODE, inbox_enabled=False, service_preferences={"svc-1": False}
    )
    profiles.save(kept)
    with pytest.raises(AlreadyExistsError):
        register_profile(FISCAL_CODE, ProfileChange(), profiles=profiles, services=services)
    assert profiles.get(FISCAL_CODE) == kept


def test_register_with_replace_starts_a_registered_citizen_over_from_the_defaults(
    profiles, services
):
    profiles.save(Profile(fiscal_code=FISCAL_CODE, inbox_enabled=False))
    register_profile(
        FISCAL_CODE, ProfileChange(), profiles=profiles, services=services, replace=True
    )
    assert profiles.get(FISCAL_CODE) == Profile(fiscal_code=FISCAL_CODE)


def test_register_refuses_a_bad_fiscal_code_and_unknown_services_together(profiles, services):
    change = ProfileChange(allow=("svc-1", "ghost"), block=("phantom",))
    with pytest.raises(ValidationError) as caught:
        register_profile("RSSMRA80A01H501X", change, profiles=profiles, services=services)
    assert [error.pointer for error in caught.value.errors] == [
        "/fiscal_code",
        "/allow/1",
        "/block/0",
    ]
    assert profiles.stored == {}


def test_update_changes_only_what_is_given(profiles, services):
    profiles.save(
        Profile(
            fiscal_code=FISCAL_CODE,
            preferred_languages=("de_DE",),
            preference_mode=PreferenceMode.MANUAL,
            service_preferences={"svc-1": True},
        )
    )
    change = ProfileChange(inbox_enabled=False, allow=("svc-2",))
    updated = update_profile(FISCAL_CODE, change, profiles=profiles, services=services)
    assert profiles.get(FISCAL_CODE) == updated
    assert updated.preferred_languages == ("de_DE",)
    assert updated.preference_mode is PreferenceMode.MANUAL
    assert updated.service_preferences == {"svc-1": True, "svc-2": True}
    assert not updated.inbox_enabled


def test_update_of_an_unregistered_citizen_is_not_found_and_registers_nobody(profiles, services):
    with pytest.raises(NotFoundError):
        update_profile(
            FISCAL_CODE, ProfileChange(inbox_enabled=False), profiles=profiles, services=services
        )
    assert profiles.stored == {}


def test_update_with_nothing_to_change_is_bad_input(profiles, services):
    profiles.save(Profile(fiscal_code=FISCAL_CODE))
    with pytest.raises(ValidationError):
        update_profile(FISCAL_CODE, ProfileChange(), profiles=profiles, services=services)


def test_read_finds_registered_citizens_only(profiles):
    profiles.save(Profile(fiscal_code=FISCAL_CODE, inbox_enabled=False))
    assert read_profile(FISCAL_CODE, profiles=profiles).inbox_enabled is False
    with pytest.raises(NotFoundError):
        read_profile("MRARSS80A01H501T", profiles=profiles)
    with pytest.raises(ValidationError):
        read_profile("NOTACODE", profiles=profiles)
