"""The citizen app's side of a message over HTTP through the offline host: an institution
sends messages, the citizen app's back end lists the inbox, opens one, marks it read."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from shared.bootstrap import build_app
from shared.domain.service import Tier
from shared.services.onboarding import register_citizen
from tests.builders import message_body, random_fiscal_code
from tests.e2e.conftest import (
    PAYMENT_PLATFORM,
    citizen_call,
    expect_problem,
    register_service,
    send_message,
    wait_processed,
)


@dataclass(frozen=True)
class Delivered:
    citizen: str
    ids: list[str]  # oldest first
    other_citizen: str
    other_id: str


@pytest.fixture(scope="module")
def delivered(local_stack, offline_host) -> Delivered:
    """Three messages from a Premium service to a citizen, one to another, all PROCESSED."""
    profiles = build_app(local_stack.settings).profiles
    citizen, other = random_fiscal_code(), random_fiscal_code()
    for fiscal_code in (citizen, other):
        register_citizen(fiscal_code, profiles=profiles)
    key = register_service(local_stack.settings, tier=Tier.PREMIUM)
    ids = [
        send_message(offline_host, key, citizen, message_body()),
        send_message(offline_host, key, citizen, message_body(feature_level_type="ADVANCED")),
        send_message(offline_host, key, citizen, message_body(time_to_live=7200)),
    ]
    other_id = send_message(offline_host, key, other, message_body())
    for fiscal_code, message_id in [*((citizen, i) for i in ids), (other, other_id)]:
        wait_processed(offline_host, key, fiscal_code, message_id)
    return Delivered(citizen, ids, other, other_id)


def _inbox(host, citizen: str, headers=None, **params: str) -> requests.Response:
    return requests.get(
        host.url("/api/v1/citizen/messages"),
        params=params,
        headers=citizen_call(citizen) if headers is None else headers,
        timeout=10,
    )


def _message(host, citizen: str, message_id: str) -> tuple[str, dict[str, str]]:
    """The URL of a citizen's message, and the headers of a call for that citizen."""
    return str(host.url(f"/api/v1/citizen/messages/{message_id}")), citizen_call(citizen)


def test_the_citizen_pages_through_the_inbox_newest_first(offline_host, delivered):
    # WHEN the citizen's app lists the inbox two at a time, following the token
    first = _inbox(offline_host, delivered.citizen, page_size="2")
    assert first.status_code == 200, first.text
    token = first.json()["continuation_token"]
    assert token
    second = _inbox(offline_host, delivered.citizen, page_size="2", continuation_token=token)
    assert second.status_code == 200, second.text
    # THEN it sees its three messages newest first, and the last page ends the list
    items = first.json()["items"] + second.json()["items"]
    assert [item["id"] for item in items] == list(reversed(delivered.ids))
    assert second.json()["continuation_token"] is None
    assert {item["sender_service_name"] for item in items} == {"Tributi"}
    assert not any(item["is_read"] for item in items)
    # AND the default page holds them all
    assert len(_inbox(offline_host, delivered.citizen).json()["items"]) == 3


def test_the_citizen_opens_a_message_and_marks_it_read(offline_host, delivered):
    url, headers = _message(offline_host, delivered.citizen, delivered.ids[1])
    # WHEN the citizen's app opens the ADVANCED message
    opened = requests.get(url, headers=headers, timeout=10)
    assert opened.status_code == 200, opened.text
    body = opened.json()
    # THEN it gets the whole message, received and not yet read
    assert body["id"] == delivered.ids[1]
    assert body["feature_level_type"] == "ADVANCED"
    assert body["markdown"] == message_body()["content"]["markdown"]
    assert body["received_at"] is not None
    assert (body["is_read"], body["read_at"], body["attachments"]) == (False, None, [])
    # WHEN it marks the message read, twice
    read = requests.patch(url, json={"is_read": True}, headers=headers, timeout=10)
    again = requests.patch(url, json={"is_read": True}, headers=headers, timeout=10)
    # THEN the first time counts, and the inbox shows it read
    assert read.status_code == again.status_code == 200, read.text
    assert read.json()["is_read"] is True
    assert read.json()["read_at"] == again.json()["read_at"] is not None
    assert read.json()["received_at"] == body["received_at"]
    listed = {
        item["id"]: item["is_read"]
        for item in _inbox(offline_host, delivered.citizen).json()["items"]
    }
    assert listed[delivered.ids[1]] is True
    # AND reading cannot be undone
    undo = requests.patch(url, json={"is_read": False}, headers=headers, timeout=10)
    problem = expect_problem(undo, 400)
    assert [error["pointer"] for error in problem["errors"]] == ["/is_read"]
    assert requests.get(url, headers=headers, timeout=10).json()["is_read"] is True


def test_another_citizens_message_is_not_found(offline_host, delivered):
    url, headers = _message(offline_host, delivered.citizen, delivered.other_id)
    expect_problem(requests.get(url, headers=headers, timeout=10), 404)
    patched = requests.patch(url, json={"is_read": True}, headers=headers, timeout=10)
    expect_problem(patched, 404)
    theirs, their_headers = _message(offline_host, delivered.other_citizen, delivered.other_id)
    assert requests.get(theirs, headers=their_headers, timeout=10).json()["is_read"] is False


def test_a_bad_continuation_token_is_a_400_naming_it(offline_host, delivered):
    problem = expect_problem(
        _inbox(offline_host, delivered.citizen, continuation_token="nonsense"), 400
    )
    assert [error["pointer"] for error in problem["errors"]] == ["/query/continuation_token"]
    too_big = expect_problem(_inbox(offline_host, delivered.citizen, page_size="101"), 400)
    assert [error["pointer"] for error in too_big["errors"]] == ["/query/page_size"]


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"x-functions-key": "local-function-key"},
        {"Authorization": "Bearer wrong-token-of-nobody-at-all"},
    ],
    ids=["none", "function-key", "unknown-token"],
)
def test_without_the_citizen_backends_token_the_citizen_api_answers_401(
    offline_host, delivered, credential
):
    headers = {"Citizen-Fiscal-Code": delivered.citizen, **credential}
    expect_problem(_inbox(offline_host, delivered.citizen, headers=headers), 401)
    url, _ = _message(offline_host, delivered.citizen, delivered.ids[0])
    expect_problem(requests.get(url, headers=headers, timeout=10), 401)
    patched = requests.patch(url, json={"is_read": True}, headers=headers, timeout=10)
    expect_problem(patched, 401)


def test_the_payment_platforms_token_opens_no_inbox(offline_host, delivered):
    headers = {**PAYMENT_PLATFORM, "Citizen-Fiscal-Code": delivered.citizen}
    expect_problem(_inbox(offline_host, delivered.citizen, headers=headers), 403)
    url, _ = _message(offline_host, delivered.citizen, delivered.ids[0])
    expect_problem(requests.get(url, headers=headers, timeout=10), 403)


def test_the_citizen_is_named_in_a_header_and_never_in_the_url(offline_host, delivered):
    # GIVEN every citizen API route, called as the citizen app's back end does
    url, headers = _message(offline_host, delivered.citizen, delivered.ids[0])
    calls = [
        _inbox(offline_host, delivered.citizen),
        requests.get(url, headers=headers, timeout=10),
        requests.get(offline_host.url("/api/v1/citizen/profile"), headers=headers, timeout=10),
    ]
    # THEN each answered, and no URL the host saw, nor any link it gave, holds the code
    for response in calls:
        assert response.status_code == 200, response.text
        assert delivered.citizen not in str(response.request.url)
        assert delivered.citizen not in response.headers.get("Location", "")
    # AND without the header the call is a 400 naming it
    no_citizen = {"Authorization": headers["Authorization"]}
    problem = expect_problem(_inbox(offline_host, delivered.citizen, headers=no_citizen), 400)
    assert [error["pointer"] for error in problem["errors"]] == ["/headers/Citizen-Fiscal-Code"]


@pytest.mark.parametrize("message_id", ["%2e", "%2e%2e", "01J", "not-an-id"])
def test_a_malformed_message_id_is_a_400_not_a_store_path(offline_host, delivered, message_id):
    url = offline_host.url(f"/api/v1/citizen/messages/{message_id}")
    problem = expect_problem(
        requests.get(url, headers=citizen_call(delivered.citizen), timeout=10), 400
    )
    assert [error["pointer"] for error in problem["errors"]] == ["/id"]


def test_a_page_size_of_thousands_of_digits_is_a_400_not_a_500(offline_host, delivered):
    response = _inbox(offline_host, delivered.citizen, page_size="9" * 5000)
    problem = expect_problem(response, 400)
    assert [error["pointer"] for error in problem["errors"]] == ["/query/page_size"]
