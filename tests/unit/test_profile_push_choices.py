"""The citizen's choices about new-message pushes: on and anonymous for a new profile and for
one stored before the choices existed, and never a push from a service they do not let in."""

from __future__ import annotations

import pytest

from shared.domain.profile import PreferenceMode, Profile, PushContent
from tests.builders import FISCAL_CODE

# A profile as Cosmos DB held it before new-message pushes were a choice.
OLD_DOCUMENT = {
    "id": FISCAL_CODE,
    "fiscal_code": FISCAL_CODE,
    "inbox_enabled": True,
    "preferred_languages": ["de_DE"],
    "preference_mode": "MANUAL",
    "blocked_service_ids": [],
    "service_preferences": {"svc-1": True},
    "reminders": "ENABLED",
    "share_read_status": False,
    "push_installation_id": "inst-1",
    "_rid": "abc==",
    "_etag": '"00000000-0000-0000-0000-000000000000"',
    "_ts": 1767225600,
}


def test_a_new_profile_gets_anonymous_new_message_pushes():
    profile = Profile(fiscal_code=FISCAL_CODE)
    assert profile.new_message_pushes is True
    assert profile.push_content is PushContent.ANONYMOUS


def test_a_profile_stored_before_the_choices_loads_with_their_defaults():
    # GIVEN a stored document without the new fields
    # WHEN it is read
    profile = Profile.model_validate(OLD_DOCUMENT)
    # THEN the citizen gets anonymous pushes, and nothing else they chose changed
    assert (profile.new_message_pushes, profile.push_content) == (True, PushContent.ANONYMOUS)
    assert profile.preferred_languages == ("de_DE",)
    assert profile.preference_mode is PreferenceMode.MANUAL
    assert profile.share_read_status is False


def test_the_choices_survive_a_round_trip_through_the_stored_document():
    profile = Profile(
        fiscal_code=FISCAL_CODE, new_message_pushes=False, push_content=PushContent.FULL
    )
    document = profile.model_dump(mode="json")
    assert (document["new_message_pushes"], document["push_content"]) == (False, "FULL")
    assert Profile.model_validate(document) == profile


@pytest.mark.parametrize(
    ("profile", "pushed"),
    [
        (Profile(fiscal_code=FISCAL_CODE), True),
        (Profile(fiscal_code=FISCAL_CODE, push_content=PushContent.FULL), True),
        (Profile(fiscal_code=FISCAL_CODE, new_message_pushes=False), False),
        (Profile(fiscal_code=FISCAL_CODE, service_preferences={"svc": False}), False),
        (Profile(fiscal_code=FISCAL_CODE, service_preferences={"other": False}), True),
        (
            Profile(
                fiscal_code=FISCAL_CODE,
                preference_mode=PreferenceMode.LEGACY,
                blocked_service_ids=frozenset({"svc"}),
            ),
            False,
        ),
        (Profile(fiscal_code=FISCAL_CODE, preference_mode=PreferenceMode.MANUAL), False),
        (Profile(fiscal_code=FISCAL_CODE, inbox_enabled=False), False),
    ],
)
def test_a_new_message_is_pushed_only_when_pushes_are_on_and_the_service_may_write(profile, pushed):
    assert profile.wants_new_message_push("svc") is pushed
