"""Every operation can be done with no fiscal code in a URL: the body send, its Location,
the status by id alone, the recipient check by POST and the citizen API (which takes the
code in a header). URLs reach request telemetry and access logs."""

from __future__ import annotations

import time

import requests

from shared.bootstrap import build_app
from shared.domain.service import Tier
from shared.services.onboarding import register_citizen
from tests.builders import message_body, random_fiscal_code
from tests.e2e.conftest import (
    INSTITUTION_KEY_HEADER,
    SETTLE_TIMEOUT_SECONDS,
    citizen_call,
    expect_problem,
    register_service,
    send_message,
)


def test_a_whole_journey_keeps_the_fiscal_code_out_of_every_url(offline_host, local_stack):
    # GIVEN a registered citizen and a Premium service
    fiscal_code = random_fiscal_code()
    register_citizen(fiscal_code, profiles=build_app(local_stack.settings).profiles)
    key = register_service(local_stack.settings, tier=Tier.PREMIUM)
    institution = {INSTITUTION_KEY_HEADER: key}
    seen: list[requests.Response] = []
    # WHEN the institution checks the recipient, sends with the code in the body, and
    # follows the Location until the message is delivered
    seen.append(
        requests.post(
            offline_host.url("/api/v1/profiles"),
            json={"fiscal_code": fiscal_code},
            headers=institution,
            timeout=10,
        )
    )
    sent = requests.post(
        offline_host.url("/api/v1/messages"),
        json={**message_body(feature_level_type="ADVANCED"), "fiscal_code": fiscal_code},
        headers=institution,
        timeout=10,
    )
    seen.append(sent)
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["id"]
    assert sent.headers["Location"] == f"/api/v1/messages/{message_id}"
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while True:
        status = requests.get(
            offline_host.url(sent.headers["Location"]), headers=institution, timeout=10
        )
        if status.status_code != 200 or status.json()["status"] != "ACCEPTED":
            break
        assert time.monotonic() < deadline, "still ACCEPTED"
        time.sleep(0.2)
    seen.append(status)
    # AND the citizen app's back end reads the inbox and opens the message
    seen.append(
        requests.get(
            offline_host.url("/api/v1/citizen/messages"),
            headers=citizen_call(fiscal_code),
            timeout=10,
        )
    )
    seen.append(
        requests.get(
            offline_host.url(f"/api/v1/citizen/messages/{message_id}"),
            headers=citizen_call(fiscal_code),
            timeout=10,
        )
    )
    # THEN every call answered, the status by id is the message's
    assert [r.status_code for r in seen] == [200, 201, 200, 200, 200], [r.text for r in seen]
    assert (status.json()["message"]["id"], status.json()["status"]) == (message_id, "PROCESSED")
    # AND no URL sent, no Location answered, holds the fiscal code
    for response in seen:
        assert fiscal_code not in str(response.request.url)
        assert fiscal_code not in response.headers.get("Location", "")


def test_the_status_by_id_is_the_senders_only(offline_host, local_stack):
    fiscal_code = random_fiscal_code()
    register_citizen(fiscal_code, profiles=build_app(local_stack.settings).profiles)
    sender, other = register_service(local_stack.settings), register_service(local_stack.settings)
    message_id = send_message(offline_host, sender, fiscal_code, message_body())
    url = offline_host.url(f"/api/v1/messages/{message_id}")
    assert (
        requests.get(url, headers={INSTITUTION_KEY_HEADER: sender}, timeout=10).status_code == 200
    )
    expect_problem(requests.get(url, headers={INSTITUTION_KEY_HEADER: other}, timeout=10), 404)
    unknown = offline_host.url("/api/v1/messages/01JA000000000000000000000Z")
    expect_problem(requests.get(unknown, headers={INSTITUTION_KEY_HEADER: sender}, timeout=10), 404)


def test_a_malformed_message_id_is_a_400_on_both_status_routes(offline_host, local_stack):
    key = {INSTITUTION_KEY_HEADER: register_service(local_stack.settings)}
    for path in (
        "/api/v1/messages/%2e",
        "/api/v1/messages/not-an-id",
        f"/api/v1/messages/{random_fiscal_code()}/%2e",
        f"/api/v1/messages/{random_fiscal_code()}/%2e%2e",
    ):
        problem = expect_problem(requests.get(offline_host.url(path), headers=key, timeout=10), 400)
        assert [error["pointer"] for error in problem["errors"]] == ["/id"], path
