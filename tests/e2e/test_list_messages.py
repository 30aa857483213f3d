"""GET /api/v1/messages over HTTP: a service lists its own messages (never another's),
newest first, filtered by reference, status and creation time, paged with an opaque token;
bad parameters are 400s naming them; the reference is echoed in the status answer."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from shared.bootstrap import build_app
from shared.domain.api_keys import hash_api_key
from shared.services.onboarding import register_citizen
from tests.builders import message_body, random_fiscal_code
from tests.callback_servers import ScriptedServer
from tests.e2e.conftest import (
    INSTITUTION_KEY_HEADER,
    SETTLE_TIMEOUT_SECONDS,
    expect_problem,
    register_service,
    run_admin,
    send_message,
    wait_processed,
)


def _list(host, key: str, **params: str) -> requests.Response:
    return requests.get(
        host.url("/api/v1/messages"),
        params=params,
        headers={INSTITUTION_KEY_HEADER: key},
        timeout=30,
    )


def _ids(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _until_listed(host, key: str, want: int, **params: str) -> dict[str, Any]:
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while True:
        response = _list(host, key, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if len(body["items"]) >= want:
            return body
        assert time.monotonic() < deadline, f"listed {len(body['items'])} of {want}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def senders(offline_host, local_stack) -> dict[str, Any]:
    """Two services: the first sent three messages (two to a registered citizen, one to
    nobody), the second one message; every message decided."""
    citizen = random_fiscal_code()
    register_citizen(citizen, profiles=build_app(local_stack.settings).profiles)
    stranger = random_fiscal_code()
    mine, other = register_service(local_stack.settings), register_service(local_stack.settings)
    sent = [
        send_message(offline_host, mine, citizen, message_body(reference="PROT-A")),
        send_message(offline_host, mine, stranger, message_body(reference="PROT-B")),
        send_message(offline_host, mine, citizen, message_body()),
    ]
    theirs = send_message(offline_host, other, citizen, message_body(reference="PROT-A"))
    wait_processed(offline_host, mine, citizen, sent[0])
    wait_processed(offline_host, mine, citizen, sent[2])
    wait_processed(offline_host, other, citizen, theirs)
    _until_listed(offline_host, mine, 1, status="REJECTED")
    return {"key": mine, "other_key": other, "sent": sent, "theirs": theirs}


def test_a_service_lists_its_own_messages_newest_first_and_no_one_elses(offline_host, senders):
    response = _list(offline_host, senders["key"])
    assert _ids(response) == list(reversed(senders["sent"]))
    assert senders["theirs"] not in _ids(response)
    body = response.json()
    assert body["continuation_token"] is None
    first = body["items"][-1]
    assert set(first) == {"id", "created_at", "status", "status_changed_at", "reference"}
    assert (first["status"], first["reference"]) == ("PROCESSED", "PROT-A")
    assert _ids(_list(offline_host, senders["other_key"])) == [senders["theirs"]]


def test_filters_by_reference_and_status(offline_host, senders):
    key, sent = senders["key"], senders["sent"]
    assert _ids(_list(offline_host, key, reference="PROT-A")) == [sent[0]]
    rejected = _list(offline_host, key, status="REJECTED")
    assert _ids(rejected) == [sent[1]]
    assert rejected.json()["items"][0]["rejection_reason"] == "USER_NOT_FOUND"
    assert _ids(_list(offline_host, key, status="FAILED")) == []


def test_filters_by_creation_time(offline_host, senders):
    key = senders["key"]
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(_list(offline_host, key, created_from=future)) == []
    assert len(_ids(_list(offline_host, key, created_from=past, created_to=future))) == 3
    assert _ids(_list(offline_host, key, created_to=past)) == []


def test_pages_follow_the_token_to_the_end(offline_host, senders):
    key = senders["key"]
    first = _list(offline_host, key, page_size="2")
    token = first.json()["continuation_token"]
    assert token is not None
    second = _list(offline_host, key, page_size="2", continuation_token=token)
    assert _ids(first) + _ids(second) == list(reversed(senders["sent"]))
    assert second.json()["continuation_token"] is None


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"page_size": "0"}, "/query/page_size"),
        ({"page_size": "101"}, "/query/page_size"),
        ({"continuation_token": "bm90LWEtdG9rZW4"}, "/query/continuation_token"),
        ({"status": "READ"}, "/query/status"),
        ({"created_from": "2026-02-30T00:00:00Z"}, "/query/created_from"),
        ({"reference": "RSSMRA80A01H501U"}, "/query/reference"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(offline_host, senders, params, pointer):
    problem = expect_problem(_list(offline_host, senders["key"], **params), 400)
    assert [error["pointer"] for error in problem["errors"]] == [pointer]
    assert "RSSMRA80A01H501U" not in str(problem)


def test_no_key_is_a_401(offline_host):
    expect_problem(requests.get(offline_host.url("/api/v1/messages"), timeout=10), 401)


def test_the_reference_is_echoed_in_the_status_answer(offline_host, senders):
    message_id = senders["sent"][0]
    response = requests.get(
        offline_host.url(f"/api/v1/messages/{message_id}"),
        headers={INSTITUTION_KEY_HEADER: senders["key"]},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["message"]["reference"] == "PROT-A"


def test_a_reference_with_personal_data_is_refused_at_send(offline_host, senders):
    response = requests.post(
        offline_host.url(f"/api/v1/messages/{random_fiscal_code()}"),
        json=message_body(reference="mario.rossi@example.org"),
        headers={INSTITUTION_KEY_HEADER: senders["key"]},
        timeout=10,
    )
    problem = expect_problem(response, 400)
    assert [error["pointer"] for error in problem["errors"]] == ["/reference"]


def test_a_status_callback_carries_the_messages_reference(offline_host, local_stack):
    # GIVEN a service with a status callback to a local receiver
    key = register_service(local_stack.settings)
    record = build_app(local_stack.settings).api_keys.get(hash_api_key(key))
    assert record is not None
    with ScriptedServer() as receiver:
        done = run_admin(
            "service", "callback", "set", record.service_id, "--url", receiver.url(),
            env=local_stack.app_settings,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        # WHEN it sends a message with a reference to nobody (so it is rejected)
        message_id = send_message(
            offline_host, key, random_fiscal_code(), message_body(reference="PROT-CB-1")
        )
        # THEN the rejection's callback names the message and its reference
        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        while not receiver.received:
            assert time.monotonic() < deadline, "no callback arrived"
            time.sleep(0.1)
        event = json.loads(receiver.received[0].body)
    assert (event["message_id"], event["reference"]) == (message_id, "PROT-CB-1")
