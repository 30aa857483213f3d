"""The institution API's rules over HTTP through the offline host: recipient check,
entitlements, caller networks, Idempotency-Key, rate limits, bad input."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from shared.bootstrap import build_app
from shared.domain.api_keys import hash_api_key
from shared.domain.service import RateLimit, Tier
from shared.services.onboarding import register_citizen
from tests.builders import FISCAL_CODE, message_body, random_fiscal_code
from tests.e2e.conftest import CACHE_TTL, expect_problem, register_service

KEY = "Ocp-Apim-Subscription-Key"


@pytest.fixture(scope="module")
def citizen(local_stack) -> str:
    register_citizen(FISCAL_CODE, profiles=build_app(local_stack.settings).profiles)
    return FISCAL_CODE


@pytest.fixture
def key(local_stack) -> str:
    return register_service(local_stack.settings)


def _post(host, key, body=None, path=f"/api/v1/messages/{FISCAL_CODE}", **headers):
    return requests.post(
        host.url(path),
        data=json.dumps(message_body() if body is None else body),
        headers={KEY: key, "Content-Type": "application/json", **headers},
        timeout=10,
    )


# --- recipient check ---------------------------------------------------------------------


def test_profile_check_by_path_and_by_body_agree(offline_host, citizen, key):
    by_path = requests.get(
        offline_host.url(f"/api/v1/profiles/{citizen}"), headers={KEY: key}, timeout=10
    )
    by_body = requests.post(
        offline_host.url("/api/v1/profiles"),
        json={"fiscal_code": citizen},
        headers={KEY: key},
        timeout=10,
    )
    assert by_path.status_code == by_body.status_code == 200
    assert (
        by_path.json()
        == by_body.json()
        == {"sender_allowed": True, "preferred_languages": ["it_IT"]}
    )


def test_profile_check_of_an_unregistered_citizen_is_404(offline_host, key):
    response = requests.post(
        offline_host.url("/api/v1/profiles"),
        json={"fiscal_code": random_fiscal_code()},
        headers={KEY: key},
        timeout=10,
    )
    expect_problem(response, 404)


def test_profile_check_of_a_closed_inbox_is_404(offline_host, local_stack, key):
    fiscal_code = random_fiscal_code()
    register_citizen(
        fiscal_code, inbox_enabled=False, profiles=build_app(local_stack.settings).profiles
    )
    response = requests.get(
        offline_host.url(f"/api/v1/profiles/{fiscal_code}"), headers={KEY: key}, timeout=10
    )
    expect_problem(response, 404)


@pytest.mark.parametrize("body", [{"fiscal_code": "RSSMRA80A01H501X"}, {}, [], "x"])
def test_profile_check_with_a_bad_body_is_400(offline_host, key, body):
    response = requests.post(
        offline_host.url("/api/v1/profiles"), json=body, headers={KEY: key}, timeout=10
    )
    expect_problem(response, 400)


# --- where the fiscal code travels -----------------------------------------------------


def test_fiscal_code_in_both_places_is_400(offline_host, citizen, key):
    problem = expect_problem(_post(offline_host, key, message_body(fiscal_code=citizen)), 400)
    assert problem["errors"][0]["pointer"] == "/fiscal_code"


def test_fiscal_code_in_neither_place_is_400(offline_host, key):
    problem = expect_problem(_post(offline_host, key, path="/api/v1/messages"), 400)
    assert problem["errors"][0]["pointer"] == "/fiscal_code"


# --- entitlements ------------------------------------------------------------------------


def test_basic_service_sending_advanced_is_403_saying_premium(offline_host, citizen, key):
    problem = expect_problem(
        _post(offline_host, key, message_body(feature_level_type="ADVANCED")), 403
    )
    assert "Premium" in problem["detail"]


def test_premium_service_sending_advanced_is_accepted(offline_host, citizen, local_stack):
    premium = register_service(local_stack.settings, tier=Tier.PREMIUM)
    assert (
        _post(offline_host, premium, message_body(feature_level_type="ADVANCED")).status_code == 201
    )


def test_payment_notice_from_a_service_without_a_cap_is_403(offline_host, citizen, key):
    body = message_body()
    body["content"]["due_date"] = "2026-12-31T00:00:00Z"
    body["content"]["payment_data"] = {"amount": 100, "notice_number": "302000000000000001"}
    problem = expect_problem(_post(offline_host, key, body), 403)
    assert "max_allowed_payment_amount" in problem["detail"]


def test_limited_service_writing_outside_its_recipients_is_403(offline_host, citizen, local_stack):
    limited = register_service(local_stack.settings, is_limited=True)
    expect_problem(_post(offline_host, limited), 403)


@pytest.mark.parametrize(("cidr", "status"), [("10.0.0.0/8", 403), ("127.0.0.0/8", 201)])
def test_authorized_networks_are_enforced(offline_host, citizen, local_stack, cidr, status):
    service_key = register_service(local_stack.settings, authorized_cidrs=(cidr,))
    assert _post(offline_host, service_key).status_code == status


# --- Idempotency-Key -----------------------------------------------------------------------


def test_same_idempotency_key_replays_the_first_message(offline_host, citizen, key):
    first = _post(offline_host, key, **{"Idempotency-Key": "campaign-1/row-1"})
    again = _post(offline_host, key, **{"Idempotency-Key": "campaign-1/row-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotency-Replay"] == "true"
    assert "Idempotency-Replay" not in first.headers


def test_same_idempotency_key_with_another_body_is_422(offline_host, citizen, key):
    _post(offline_host, key, **{"Idempotency-Key": "k"})
    expect_problem(
        _post(offline_host, key, message_body(time_to_live=7200), **{"Idempotency-Key": "k"}), 422
    )


def test_concurrent_requests_with_one_key_create_one_message(
    offline_host, citizen, key, local_stack
):
    with ThreadPoolExecutor(6) as pool:
        responses = list(
            pool.map(lambda _: _post(offline_host, key, **{"Idempotency-Key": "race"}), range(6))
        )
    created = [r for r in responses if r.status_code == 201]
    assert {r.status_code for r in responses} <= {201, 409}
    assert created
    assert len({r.json()["id"] for r in created}) == 1
    for response in responses:
        if response.status_code == 409:
            assert response.headers["Retry-After"] == "1"


# --- rate limits ---------------------------------------------------------------------------


def test_over_the_rate_limit_is_429_with_retry_after(offline_host, citizen, local_stack):
    limited = register_service(
        local_stack.settings, rate_limit=RateLimit(requests=3, window_seconds=60)
    )
    responses = [_post(offline_host, limited) for _ in range(4)]
    assert [r.status_code for r in responses] == [201, 201, 201, 429]
    assert [r.headers["RateLimit-Remaining"] for r in responses[:3]] == ["2", "1", "0"]
    last = responses[3]
    expect_problem(last, 429)
    assert 1 <= int(last.headers["Retry-After"]) <= 60
    assert last.headers["RateLimit-Policy"] == "3;w=60"


# --- keys ----------------------------------------------------------------------------------


def test_a_revoked_key_stops_working_within_the_cache_ttl(offline_host, citizen, local_stack):
    service_key = register_service(local_stack.settings)
    assert _post(offline_host, service_key).status_code == 201
    build_app(local_stack.settings).api_keys.remove(hash_api_key(service_key))
    deadline = time.monotonic() + CACHE_TTL + 2
    while _post(offline_host, service_key).status_code != 401:
        assert time.monotonic() < deadline, "revoked key still accepted after the cache TTL"
        time.sleep(0.2)


# --- bad input -----------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413(offline_host, key):
    body = message_body()
    body["padding"] = "x" * (300 * 1024)
    expect_problem(_post(offline_host, key, body), 413)


def test_a_form_post_is_415(offline_host, key):
    response = requests.post(
        offline_host.url(f"/api/v1/messages/{FISCAL_CODE}"),
        data={"a": "b"},
        headers={KEY: key},
        timeout=10,
    )
    expect_problem(response, 415)


@pytest.mark.parametrize("raw", [b"[" * 20000, b"[]", b'"text"', b"\xff\xfe", b'{"content": 1'])
def test_documents_that_are_not_messages_are_400_quickly(offline_host, key, raw):
    started = time.monotonic()
    response = requests.post(
        offline_host.url(f"/api/v1/messages/{FISCAL_CODE}"),
        data=raw,
        headers={KEY: key, "Content-Type": "application/json"},
        timeout=10,
    )
    expect_problem(response, 400)
    assert time.monotonic() - started < 2


def test_every_invalid_field_is_named_at_once(offline_host, key):
    body = {"time_to_live": 1, "content": {"subject": "x", "markdown": "y", "due_date": "soon"}}
    problem = expect_problem(_post(offline_host, key, body), 400)
    pointers = sorted(error["pointer"] for error in problem["errors"])
    assert pointers == [
        "/content/due_date",
        "/content/markdown",
        "/content/subject",
        "/time_to_live",
    ]
    assert "soon" not in json.dumps(problem)


def test_a_subject_carrying_someones_fiscal_code_is_400(offline_host, key):
    body = message_body()
    body["content"]["subject"] = "Pratica di MRARSS80A01H501T"
    problem = expect_problem(_post(offline_host, key, body), 400)
    assert [error["pointer"] for error in problem["errors"]] == ["/content/subject"]
    assert "MRARSS80A01H501T" not in json.dumps(problem)


def test_unknown_fields_are_ignored(offline_host, citizen, key):
    assert (
        _post(
            offline_host, key, message_body(extra={"nested": [1, 2]}, x=uuid.uuid4().hex)
        ).status_code
        == 201
    )
