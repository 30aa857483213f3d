"""What allowing and blocking a service means in each preference mode, and mode switches."""

from __future__ import annotations

import pytest

from shared.domain.errors import ValidationError
from shared.domain.profile import PreferenceMode, Profile, PushContent
from shared.domain.profile_change import ProfileChange, parse_profile_change
from tests.builders import FISCAL_CODE


def _profile(mode: PreferenceMode, **fields) -> Profile:
    return Profile(fiscal_code=FISCAL_CODE, preference_mode=mode, **fields)


@pytest.mark.parametrize("mode", [PreferenceMode.AUTO, PreferenceMode.MANUAL])
def test_in_auto_and_manual_allow_and_block_set_the_citizens_choices(mode):
    changed = ProfileChange(allow=("svc-on",), block=("svc-off",)).applied_to(_profile(mode))
    assert changed.service_preferences == {"svc-on": True, "svc-off": False}
    assert changed.allows("svc-on")
    assert not changed.allows("svc-off")


def test_in_legacy_block_adds_to_the_block_list_and_allow_takes_off_it():
    profile = _profile(PreferenceMode.LEGACY, blocked_service_ids=frozenset({"svc-a"}))
    changed = ProfileChange(allow=("svc-a",), block=("svc-b",)).applied_to(profile)
    assert changed.blocked_service_ids == frozenset({"svc-b"})
    assert changed.service_preferences == {}
    assert changed.allows("svc-a")
    assert not changed.allows("svc-b")


def test_allow_and_block_follow_the_mode_being_switched_to():
    changed = ProfileChange(preference_mode=PreferenceMode.LEGACY, block=("svc",)).applied_to(
        _profile(PreferenceMode.AUTO)
    )
    assert changed.blocked_service_ids == frozenset({"svc"})
    assert not changed.allows("svc")


def test_leaving_legacy_keeps_blocked_services_refused():
    profile = _profile(PreferenceMode.LEGACY, blocked_service_ids=frozenset({"svc"}))
    changed = ProfileChange(preference_mode=PreferenceMode.AUTO).applied_to(profile)
    assert changed.service_preferences == {"svc": False}
    assert changed.blocked_service_ids == frozenset()
    assert not changed.allows("svc")


def test_going_to_legacy_keeps_turned_off_services_refused():
    profile = _profile(PreferenceMode.MANUAL, service_preferences={"on": True, "off": False})
    changed = ProfileChange(preference_mode=PreferenceMode.LEGACY).applied_to(profile)
    assert changed.blocked_service_ids == frozenset({"off"})
    assert not changed.allows("off")
    assert changed.allows("on")


def test_switching_between_auto_and_manual_keeps_the_choices():
    profile = _profile(PreferenceMode.AUTO, service_preferences={"on": True, "off": False})
    changed = ProfileChange(preference_mode=PreferenceMode.MANUAL).applied_to(profile)
    assert changed.service_preferences == {"on": True, "off": False}


def test_inbox_and_languages_change_only_when_given():
    profile = _profile(PreferenceMode.AUTO, preferred_languages=("de_DE",))
    assert ProfileChange(inbox_enabled=False).applied_to(profile) == profile.model_copy(
        update={"inbox_enabled": False}
    )
    changed = ProfileChange(preferred_languages=("en_GB",)).applied_to(profile)
    assert changed.preferred_languages == ("en_GB",)
    assert changed.inbox_enabled


def test_reads_a_change_from_text():
    change = parse_profile_change(
        inbox_enabled=False,
        preferred_languages=["it_IT", "de_DE", "it_IT"],
        preference_mode="manual",
        allow=["svc-1"],
        block=["svc-2"],
    )
    assert change == ProfileChange(
        inbox_enabled=False,
        preferred_languages=("it_IT", "de_DE"),
        preference_mode=PreferenceMode.MANUAL,
        allow=("svc-1",),
        block=("svc-2",),
    )


def test_names_every_bad_value_at_once():
    with pytest.raises(ValidationError) as caught:
        parse_profile_change(
            preferred_languages=["it_IT", "italian"],
            preference_mode="SOMETIMES",
            allow=["svc-1", "bad/id"],
            block=["svc-1"],
        )
    assert [error.pointer for error in caught.value.errors] == [
        "/preferred_languages/1",
        "/preference_mode",
        "/allow/1",
        "/block/0",
    ]


def test_push_choices_change_only_when_given():
    # GIVEN a citizen with pushes off and full content
    profile = _profile(PreferenceMode.AUTO, new_message_pushes=False, push_content=PushContent.FULL)
    # WHEN only pushes are switched on / only the content is changed
    # THEN only that field changes
    assert ProfileChange(new_message_pushes=True).applied_to(profile) == profile.model_copy(
        update={"new_message_pushes": True}
    )
    anonymous = ProfileChange(push_content=PushContent.ANONYMOUS).applied_to(profile)
    assert anonymous == profile.model_copy(update={"push_content": PushContent.ANONYMOUS})


@pytest.mark.parametrize(
    ("pushes", "content", "expected"),
    [
        ("on", "full", ProfileChange(new_message_pushes=True, push_content=PushContent.FULL)),
        (
            "OFF",
            "Anonymous",
            ProfileChange(new_message_pushes=False, push_content=PushContent.ANONYMOUS),
        ),
        (" off ", None, ProfileChange(new_message_pushes=False)),
        (None, "FULL", ProfileChange(push_content=PushContent.FULL)),
    ],
)
def test_reads_push_choices_in_any_letter_case(pushes, content, expected):
    assert parse_profile_change(new_message_pushes=pushes, push_content=content) == expected


def test_names_bad_push_choices():
    with pytest.raises(ValidationError) as caught:
        parse_profile_change(new_message_pushes="yes", push_content="partial")
    assert [(error.pointer, error.code) for error in caught.value.errors] == [
        ("/new_message_pushes", "invalid_choice"),
        ("/push_content", "invalid_choice"),
    ]
