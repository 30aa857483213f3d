"""The citizen app's profile body: its shape, its rules, and the document a GET shows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.domain.errors import ValidationError
from shared.domain.profile import PreferenceMode, Profile, PushContent, ReminderConsent
from shared.domain.profile_update import ProfileUpdate, profile_document
from shared.domain.validation import parse_json_model
from tests.builders import FISCAL_CODE, OTHER_FISCAL_CODE


def _parse(body: dict[str, Any]) -> ProfileUpdate:
    return parse_json_model(ProfileUpdate, json.dumps(body).encode())


def _shape_errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        _parse(body)
    return [(error.pointer, error.code) for error in caught.value.errors]


def _rule_errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(error.pointer, error.code) for error in _parse(body).rule_errors(FISCAL_CODE)]


def test_an_empty_body_describes_a_new_profile_with_its_defaults():
    # GIVEN a body that gives nothing
    # WHEN it becomes a profile
    profile = _parse({}).to_profile(FISCAL_CODE)
    # THEN it is exactly a new profile: PUT defaults and Profile defaults agree
    assert profile == Profile(fiscal_code=FISCAL_CODE)
    assert _parse({}).rule_errors(FISCAL_CODE) == []


def test_every_field_given_reaches_the_profile():
    body = {
        "is_inbox_enabled": False,
        "preferred_languages": ["de_DE", "it_IT"],
        "preference_mode": "MANUAL",
        "service_preferences": {"svc-1": True, "svc-2": False},
        "reminders": "ENABLED",
        "share_read_status": False,
        "push_installation_id": "inst:1_a.b-c",
        "is_new_message_push_enabled": False,
        "push_notifications_content_type": "FULL",
    }
    assert _parse(body).to_profile(FISCAL_CODE) == Profile(
        fiscal_code=FISCAL_CODE,
        inbox_enabled=False,
        preferred_languages=("de_DE", "it_IT"),
        preference_mode=PreferenceMode.MANUAL,
        service_preferences={"svc-1": True, "svc-2": False},
        reminders=ReminderConsent.ENABLED,
        share_read_status=False,
        push_installation_id="inst:1_a.b-c",
        new_message_pushes=False,
        push_content=PushContent.FULL,
    )


def test_a_legacy_block_list_reaches_the_profile():
    body = {"preference_mode": "LEGACY", "blocked_services": ["svc-2", "svc-1"]}
    profile = _parse(body).to_profile(FISCAL_CODE)
    assert profile.blocked_service_ids == {"svc-1", "svc-2"}
    assert not profile.allows("svc-1")
    assert profile.allows("svc-3")


def test_wrong_types_are_named_each_by_pointer():
    # GIVEN a body whose every field has the wrong type
    body = {
        "is_inbox_enabled": "yes",
        "preferred_languages": "it_IT",
        "preference_mode": 1,
        "blocked_services": [3],
        "service_preferences": {"svc-1": "true"},
        "reminders": True,
        "share_read_status": 1,
        "push_installation_id": 42,
        "is_new_message_push_enabled": "true",
        "push_notifications_content_type": 1,
    }
    # WHEN it is parsed / THEN each field is named, none passes as its lookalike
    assert {pointer for pointer, _ in _shape_errors(body)} == {
        "/is_inbox_enabled",
        "/preferred_languages",
        "/preference_mode",
        "/blocked_services/0",
        "/service_preferences/svc-1",
        "/reminders",
        "/share_read_status",
        "/push_installation_id",
        "/is_new_message_push_enabled",
        "/push_notifications_content_type",
    }


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"preferred_languages": ["it_IT", "english"]}, "/preferred_languages/1"),
        ({"preferred_languages": ["it-IT"]}, "/preferred_languages/0"),
        ({"preference_mode": "auto"}, "/preference_mode"),
        ({"reminders": "YES"}, "/reminders"),
        ({"blocked_services": ["ok", "not ok"]}, "/blocked_services/1"),
        ({"push_installation_id": ""}, "/push_installation_id"),
        ({"push_installation_id": "a" * 129}, "/push_installation_id"),
        ({"push_installation_id": "has space"}, "/push_installation_id"),
        ({"share_read_status": None}, "/share_read_status"),
        ({"is_new_message_push_enabled": None}, "/is_new_message_push_enabled"),
        ({"is_new_message_push_enabled": "off"}, "/is_new_message_push_enabled"),
        ({"push_notifications_content_type": "full"}, "/push_notifications_content_type"),
        ({"push_notifications_content_type": "SILENT"}, "/push_notifications_content_type"),
        ({"push_notifications_content_type": None}, "/push_notifications_content_type"),
        ({"fiscal_code": None}, "/fiscal_code"),
        ({"is_inbox_enable": False}, "/is_inbox_enable"),
    ],
)
def test_a_bad_value_is_refused_at_its_pointer(body, pointer):
    assert [p for p, _ in _shape_errors(body)] == [pointer]


def test_an_unknown_field_is_refused_rather_than_ignored():
    # A misspelled field would otherwise reset the real one to its default.
    assert _shape_errors({"share_read_statu": False}) == [("/share_read_statu", "extra_forbidden")]


def test_a_push_installation_id_may_be_null_or_128_characters():
    assert _parse({"push_installation_id": None}).push_installation_id is None
    assert _parse({"push_installation_id": "a" * 128}).push_installation_id == "a" * 128


def test_no_languages_is_refused():
    assert _rule_errors({"preferred_languages": []}) == [("/preferred_languages", "required")]


def test_duplicates_are_refused_at_the_second_occurrence():
    body = {
        "preferred_languages": ["it_IT", "en_GB", "it_IT"],
        "preference_mode": "LEGACY",
        "blocked_services": ["svc-1", "svc-1"],
    }
    assert _rule_errors(body) == [
        ("/preferred_languages/2", "duplicate"),
        ("/blocked_services/1", "duplicate"),
    ]


def test_a_preference_for_something_that_is_not_a_service_id_is_refused():
    body = {"service_preferences": {"svc-1": True, "no/such id": False}}
    assert _rule_errors(body) == [("/service_preferences/no~1such id", "invalid_service_id")]


def test_per_service_choices_in_legacy_mode_are_refused():
    body = {"preference_mode": "LEGACY", "service_preferences": {"svc-1": False}}
    assert _rule_errors(body) == [("/service_preferences", "not_in_mode")]


@pytest.mark.parametrize("mode", ["AUTO", "MANUAL"])
def test_a_block_list_outside_legacy_mode_is_refused(mode):
    body = {"preference_mode": mode, "blocked_services": ["svc-1"]}
    assert _rule_errors(body) == [("/blocked_services", "not_in_mode")]


def test_a_block_list_without_a_mode_is_refused_since_the_default_mode_is_auto():
    assert _rule_errors({"blocked_services": ["svc-1"]}) == [("/blocked_services", "not_in_mode")]


def test_the_collection_of_the_other_mode_may_be_sent_empty():
    assert _rule_errors({"preference_mode": "LEGACY", "service_preferences": {}}) == []
    assert _rule_errors({"preference_mode": "MANUAL", "blocked_services": []}) == []


def test_the_fiscal_code_in_the_body_must_be_the_paths():
    assert _rule_errors({"fiscal_code": FISCAL_CODE}) == []
    assert _rule_errors({"fiscal_code": OTHER_FISCAL_CODE}) == [("/fiscal_code", "conflict")]


def test_every_broken_rule_is_named_at_once():
    body = {
        "fiscal_code": OTHER_FISCAL_CODE,
        "preferred_languages": [],
        "preference_mode": "LEGACY",
        "service_preferences": {"svc-1": True},
    }
    assert [pointer for pointer, _ in _rule_errors(body)] == [
        "/fiscal_code",
        "/preferred_languages",
        "/service_preferences",
    ]


@pytest.mark.parametrize(
    "profile",
    [
        Profile(fiscal_code=FISCAL_CODE),
        Profile(
            fiscal_code=FISCAL_CODE,
            inbox_enabled=False,
            preferred_languages=("en_GB", "it_IT"),
            preference_mode=PreferenceMode.LEGACY,
            blocked_service_ids=frozenset({"svc-2", "svc-1"}),
            reminders=ReminderConsent.ENABLED,
            share_read_status=False,
            push_installation_id="inst-1",
            new_message_pushes=False,
            push_content=PushContent.FULL,
        ),
        Profile(
            fiscal_code=FISCAL_CODE,
            preference_mode=PreferenceMode.MANUAL,
            service_preferences={"svc-2": True, "svc-1": False},
        ),
    ],
)
def test_the_document_a_get_shows_puts_back_the_same_profile(profile):
    # GIVEN the document of a stored profile
    document = profile_document(profile)
    # WHEN it is sent back as a PUT body
    update = _parse(document)
    # THEN it breaks no rule and stores the same profile
    assert update.rule_errors(FISCAL_CODE) == []
    assert update.to_profile(FISCAL_CODE) == profile


def test_the_document_uses_ios_names_and_a_stable_order():
    profile = Profile(
        fiscal_code=FISCAL_CODE,
        preference_mode=PreferenceMode.LEGACY,
        blocked_service_ids=frozenset({"svc-b", "svc-a"}),
    )
    assert profile_document(profile) == {
        "fiscal_code": FISCAL_CODE,
        "is_inbox_enabled": True,
        "preferred_languages": ["it_IT"],
        "preference_mode": "LEGACY",
        "blocked_services": ["svc-a", "svc-b"],
        "service_preferences": {},
        "reminders": "DISABLED",
        "share_read_status": True,
        "push_installation_id": None,
        "is_new_message_push_enabled": True,
        "push_notifications_content_type": "ANONYMOUS",
    }
