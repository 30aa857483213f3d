"""CitizenProfile's `main`, called with requests built from the sample events, on the real
emulators: register, read, replace, and every refusal as a problem."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
import pytest

import CitizenProfile
from shared.entrypoints.citizen_profile import MAX_PROFILE_BODY_BYTES
from tests.builders import FISCAL_CODE, random_fiscal_code
from tests.events import function_context, http_request, load_event

PROBLEM = "application/problem+json"


def _put(fiscal_code: str, body: Any = None, **headers: str) -> func.HttpResponse:
    raw = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = http_request(
        "put_citizen_profile", headers=headers, body=raw, substitutions={FISCAL_CODE: fiscal_code}
    )
    return CitizenProfile.main(request, function_context("CitizenProfile"))


def _get(fiscal_code: str) -> func.HttpResponse:
    request = http_request("get_citizen_profile", substitutions={FISCAL_CODE: fiscal_code})
    return CitizenProfile.main(request, function_context("CitizenProfile"))


def _problem(response: func.HttpResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    problem: dict[str, Any] = json.loads(response.get_body())
    assert problem["status"] == status
    assert problem["instance"] == response.headers["X-Request-Id"]
    return problem


def test_put_registers_get_reads_and_put_again_replaces(local_stack):
    # GIVEN a citizen nobody registered
    fiscal_code = random_fiscal_code()
    # WHEN the sample body is PUT
    created = _put(fiscal_code)
    # THEN it is created, and the answer is the stored profile
    assert created.status_code == 201
    expected = {"fiscal_code": fiscal_code, **load_event("put_citizen_profile")["body"]}
    expected["blocked_services"] = []
    assert json.loads(created.get_body()) == expected
    # AND a GET reads the same document
    read = _get(fiscal_code)
    assert read.status_code == 200
    assert read.mimetype == "application/json"
    assert json.loads(read.get_body()) == expected
    # AND a second PUT replaces it: left-out fields are back to their defaults
    replaced = _put(fiscal_code, {"preferred_languages": ["de_DE"]})
    assert replaced.status_code == 200
    assert json.loads(_get(fiscal_code).get_body()) == {
        "fiscal_code": fiscal_code,
        "is_inbox_enabled": True,
        "preferred_languages": ["de_DE"],
        "preference_mode": "AUTO",
        "blocked_services": [],
        "service_preferences": {},
        "reminders": "DISABLED",
        "share_read_status": True,
        "push_installation_id": None,
        "is_new_message_push_enabled": True,
        "push_notifications_content_type": "ANONYMOUS",
    }


def test_get_of_an_unregistered_citizen_is_a_404_problem(local_stack):
    _problem(_get(random_fiscal_code()), 404)


def test_a_malformed_fiscal_code_is_a_400_problem_for_get_and_put(local_stack):
    for response in (_get("RSSMRA80A01H501X"), _put("RSSMRA80A01H501X")):
        problem = _problem(response, 400)
        assert [error["pointer"] for error in problem["errors"]] == ["/headers/Citizen-Fiscal-Code"]


def test_bad_fields_are_a_400_problem_naming_each_and_storing_nothing(local_stack):
    fiscal_code = random_fiscal_code()
    body = {"preferred_languages": ["italian"], "reminders": "MAYBE", "share_read_status": "no"}
    problem = _problem(_put(fiscal_code, body), 400)
    assert sorted(error["pointer"] for error in problem["errors"]) == [
        "/preferred_languages/0",
        "/reminders",
        "/share_read_status",
    ]
    _problem(_get(fiscal_code), 404)


def test_a_block_list_in_auto_mode_is_a_400_pointing_at_it(local_stack):
    problem = _problem(_put(random_fiscal_code(), {"blocked_services": ["svc-1"]}), 400)
    assert problem["errors"][0]["pointer"] == "/blocked_services"
    assert problem["errors"][0]["code"] == "not_in_mode"


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"a": ' * 2000])
def test_a_body_that_is_not_a_json_object_is_a_400_problem(local_stack, body):
    _problem(_put(random_fiscal_code(), body), 400)


def test_a_body_not_declared_as_json_is_a_415_problem(local_stack):
    response = _put(random_fiscal_code(), b"a=1", **{"Content-Type": "text/plain"})
    _problem(response, 415)


def test_a_body_over_256_kib_is_a_413_problem(local_stack):
    preferences = {f"svc-{index:08d}": True for index in range(MAX_PROFILE_BODY_BYTES // 10)}
    _problem(_put(random_fiscal_code(), {"service_preferences": preferences}), 413)


def test_the_app_never_logs_the_fiscal_code(local_stack, caplog):
    # The app's own lines; the HTTP library's DEBUG lines show Cosmos URLs, whose document
    # ids are fiscal codes, and are never enabled in production.
    fiscal_code = random_fiscal_code()
    caplog.set_level("DEBUG", logger="shared")
    _put(fiscal_code)
    _put(fiscal_code, {"reminders": "MAYBE"})
    _get(fiscal_code)
    app_lines = [
        record.getMessage() for record in caplog.records if record.name.startswith("shared")
    ]
    assert len(app_lines) >= 3
    assert not [line for line in app_lines if fiscal_code in line]
