"""The citizen app's profile API over HTTP through the offline host: the consumer token, the
whole journey register / read / replace, every refusal, and what institutions then see."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from shared.bootstrap import build_app
from shared.domain.api_keys import hash_api_key
from tests.builders import random_fiscal_code
from tests.e2e.conftest import PAYMENT_PLATFORM, citizen_call, expect_problem, register_service

INSTITUTION_KEY = "Ocp-Apim-Subscription-Key"
PROFILE = "/api/v1/citizen/profile"


def _get(host, fiscal_code: str, headers: dict[str, str] | None = None) -> requests.Response:
    headers = citizen_call(fiscal_code) if headers is None else headers
    return requests.get(host.url(PROFILE), headers=headers, timeout=10)


def _put(host, fiscal_code: str, body: Any, **headers: str) -> requests.Response:
    return requests.put(
        host.url(PROFILE), json=body, headers={**citizen_call(fiscal_code), **headers}, timeout=10
    )


def test_register_read_and_replace_a_profile(offline_host):
    # GIVEN a citizen nobody registered
    fiscal_code = random_fiscal_code()
    body = {
        "preferred_languages": ["it_IT", "en_GB"],
        "preference_mode": "MANUAL",
        "service_preferences": {"svc-anagrafe": True},
        "reminders": "ENABLED",
        "push_installation_id": "inst-42",
    }
    # WHEN the citizen app PUTs their profile
    created = _put(offline_host, fiscal_code, body)
    # THEN they are registered (201) with the defaults for what was left out
    assert created.status_code == 201, created.text
    assert created.headers["Content-Type"].startswith("application/json")
    stored = {
        "fiscal_code": fiscal_code,
        "is_inbox_enabled": True,
        "blocked_services": [],
        "share_read_status": True,
        "is_new_message_push_enabled": True,
        "push_notifications_content_type": "ANONYMOUS",
        **body,
    }
    assert created.json() == stored
    # AND a GET reads it back
    read = _get(offline_host, fiscal_code)
    assert (read.status_code, read.json()) == (200, stored)
    # AND the document read, changed and PUT back replaces it (200)
    replaced = _put(offline_host, fiscal_code, {**read.json(), "share_read_status": False})
    assert replaced.status_code == 200, replaced.text
    assert _get(offline_host, fiscal_code).json() == {**stored, "share_read_status": False}


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"x-functions-key": "local-function-key"},
        {"Authorization": "Bearer nobody-knows-this-token"},
    ],
    ids=["none", "function-key", "unknown-token"],
)
def test_without_the_citizen_backends_token_the_profile_api_answers_401(offline_host, credential):
    fiscal_code = random_fiscal_code()
    headers = {"Citizen-Fiscal-Code": fiscal_code, **credential}
    expect_problem(_get(offline_host, fiscal_code, headers=headers), 401)
    response = requests.put(offline_host.url(PROFILE), json={}, headers=headers, timeout=10)
    expect_problem(response, 401)
    # AND nothing was registered
    expect_problem(_get(offline_host, fiscal_code), 404)


def test_the_payment_platforms_token_may_not_register_or_read_a_citizen(offline_host):
    fiscal_code = random_fiscal_code()
    headers = {**PAYMENT_PLATFORM, "Citizen-Fiscal-Code": fiscal_code}
    expect_problem(
        requests.put(offline_host.url(PROFILE), json={}, headers=headers, timeout=10), 403
    )
    expect_problem(_get(offline_host, fiscal_code, headers=headers), 403)
    expect_problem(_get(offline_host, fiscal_code), 404)


def test_a_malformed_fiscal_code_is_400(offline_host):
    for response in (
        _get(offline_host, "RSSMRA80A01H501X"),
        _put(offline_host, "not-a-fiscal-code", {}),
    ):
        problem = expect_problem(response, 400)
        assert [error["pointer"] for error in problem["errors"]] == ["/headers/Citizen-Fiscal-Code"]


def test_bad_fields_are_400_listing_each_pointer(offline_host):
    fiscal_code = random_fiscal_code()
    body = {
        "is_inbox_enabled": "true",
        "preferred_languages": ["it_IT", "EN"],
        "preference_mode": "SOMETIMES",
        "reminders": "ENABLED",
        "share_read_status": None,
        "push_installation_id": "has spaces",
        "colour": "blue",
    }
    problem = expect_problem(_put(offline_host, fiscal_code, body), 400)
    assert sorted(error["pointer"] for error in problem["errors"]) == [
        "/colour",
        "/is_inbox_enabled",
        "/preference_mode",
        "/preferred_languages/1",
        "/push_installation_id",
        "/share_read_status",
    ]
    expect_problem(_get(offline_host, fiscal_code), 404)


def test_choices_for_the_wrong_mode_are_400_pointing_at_them(offline_host):
    body = {"preference_mode": "LEGACY", "service_preferences": {"svc-1": False}}
    problem = expect_problem(_put(offline_host, random_fiscal_code(), body), 400)
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [
        ("/service_preferences", "not_in_mode")
    ]


def test_a_new_profile_has_anonymous_new_message_pushes(offline_host):
    # GIVEN a citizen registered with an empty body
    fiscal_code = random_fiscal_code()
    assert _put(offline_host, fiscal_code, {}).status_code == 201
    # WHEN the citizen app reads the profile
    read = _get(offline_host, fiscal_code)
    # THEN new messages are pushed, anonymously
    assert read.status_code == 200, read.text
    assert read.json()["is_new_message_push_enabled"] is True
    assert read.json()["push_notifications_content_type"] == "ANONYMOUS"


def test_the_citizen_turns_new_message_pushes_off_then_on_with_full_content(offline_host):
    fiscal_code = random_fiscal_code()
    assert _put(offline_host, fiscal_code, {}).status_code == 201
    # WHEN the citizen turns new-message pushes off
    off = _put(offline_host, fiscal_code, {"is_new_message_push_enabled": False})
    # THEN the answer and a later GET say so
    assert off.status_code == 200, off.text
    assert off.json()["is_new_message_push_enabled"] is False
    assert _get(offline_host, fiscal_code).json()["is_new_message_push_enabled"] is False
    # WHEN they turn them on again, showing the service and the subject
    document = {
        **_get(offline_host, fiscal_code).json(),
        "is_new_message_push_enabled": True,
        "push_notifications_content_type": "FULL",
    }
    assert _put(offline_host, fiscal_code, document).status_code == 200
    # THEN both choices are stored
    read = _get(offline_host, fiscal_code).json()
    assert (read["is_new_message_push_enabled"], read["push_notifications_content_type"]) == (
        True,
        "FULL",
    )
    # AND a PUT that leaves them out resets them to their defaults, as every field
    assert _put(offline_host, fiscal_code, {}).status_code == 200
    read = _get(offline_host, fiscal_code).json()
    assert (read["is_new_message_push_enabled"], read["push_notifications_content_type"]) == (
        True,
        "ANONYMOUS",
    )


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"push_notifications_content_type": "SILENT"}, "/push_notifications_content_type"),
        ({"push_notifications_content_type": "full"}, "/push_notifications_content_type"),
        ({"push_notifications_content_type": None}, "/push_notifications_content_type"),
        ({"is_new_message_push_enabled": "false"}, "/is_new_message_push_enabled"),
        ({"is_new_message_push_enabled": None}, "/is_new_message_push_enabled"),
    ],
)
def test_a_bad_push_choice_is_400_naming_the_field_and_changes_nothing(offline_host, body, pointer):
    # GIVEN a citizen with full new-message pushes
    fiscal_code = random_fiscal_code()
    full = {"push_notifications_content_type": "FULL"}
    assert _put(offline_host, fiscal_code, full).status_code == 201
    # WHEN the citizen app PUTs a bad value for a push choice
    problem = expect_problem(_put(offline_host, fiscal_code, body), 400)
    # THEN the problem names that field, and the stored profile is unchanged
    assert [error["pointer"] for error in problem["errors"]] == [pointer]
    read = _get(offline_host, fiscal_code).json()
    assert (read["is_new_message_push_enabled"], read["push_notifications_content_type"]) == (
        True,
        "FULL",
    )


def test_an_institution_sees_the_citizens_choice(offline_host, local_stack):
    # GIVEN a service and a citizen who registered through the citizen app
    key = register_service(local_stack.settings)
    service_id = _service_id_of(local_stack, key)
    fiscal_code = random_fiscal_code()
    assert _put(offline_host, fiscal_code, {"preferred_languages": ["de_DE"]}).status_code == 201
    assert _recipient_check(offline_host, key, fiscal_code) == {
        "sender_allowed": True,
        "preferred_languages": ["de_DE"],
    }
    # WHEN the citizen turns the service off
    turned_off = {"preferred_languages": ["de_DE"], "service_preferences": {service_id: False}}
    assert _put(offline_host, fiscal_code, turned_off).status_code == 200
    # THEN the institution's recipient check says it may not write
    assert _recipient_check(offline_host, key, fiscal_code)["sender_allowed"] is False


def _recipient_check(host, key: str, fiscal_code: str) -> dict[str, Any]:
    response = requests.get(
        host.url(f"/api/v1/profiles/{fiscal_code}"), headers={INSTITUTION_KEY: key}, timeout=10
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _service_id_of(local_stack, key: str) -> str:
    record = build_app(local_stack.settings).api_keys.get(hash_api_key(key))
    assert record is not None
    return record.service_id
