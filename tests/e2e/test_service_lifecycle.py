"""Over HTTP: a service the operator disabled gets 403 service-disabled on every institution
route, and keys of a deleted service get 401, while its messages stay in the inbox."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from shared.bootstrap import build_app
from shared.domain.api_keys import hash_api_key
from tests.builders import MARKDOWN, SUBJECT, random_fiscal_code
from tests.e2e.conftest import (
    CACHE_TTL,
    INSTITUTION_KEY_HEADER,
    citizen_call,
    expect_problem,
    register_service,
    run_admin,
    send_message,
    wait_processed,
)

BODY = {"content": {"subject": SUBJECT, "markdown": MARKDOWN}}
# The workers' cache of services and keys, and a margin for the host.
NOTICED_WITHIN_SECONDS = CACHE_TTL + 5


def _service_id(local_stack, key: str) -> str:
    record = build_app(local_stack.settings).api_keys.get(hash_api_key(key))
    assert record is not None
    return record.service_id


def _citizen(host) -> str:
    fiscal_code = random_fiscal_code()
    response = requests.put(
        host.url("/api/v1/citizen/profile"), json={}, headers=citizen_call(fiscal_code), timeout=10
    )
    assert response.status_code == 201, response.text
    return fiscal_code


def _admin(local_stack, *args: str) -> None:
    done = run_admin(*args, env=local_stack.app_settings)
    assert done.returncode == 0, done.stderr + done.stdout


def _until(status: int, call: Callable[[], requests.Response]) -> requests.Response:
    """Call until the answer has this status (the workers' cache must expire first)."""
    deadline = time.monotonic() + NOTICED_WITHIN_SECONDS
    while True:
        response = call()
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_a_disabled_service_gets_403_service_disabled_on_every_route_until_enabled(
    offline_host, local_stack
):
    # GIVEN a service that sent a message
    key = register_service(local_stack.settings)
    fiscal_code = _citizen(offline_host)
    message_id = send_message(offline_host, key, fiscal_code, BODY)
    wait_processed(offline_host, key, fiscal_code, message_id)
    headers = {INSTITUTION_KEY_HEADER: key}
    routes: list[Callable[[], requests.Response]] = [
        lambda: requests.post(
            offline_host.url(f"/api/v1/messages/{fiscal_code}"),
            json=BODY,
            headers=headers,
            timeout=10,
        ),
        lambda: requests.get(
            offline_host.url(f"/api/v1/messages/{fiscal_code}/{message_id}"),
            headers=headers,
            timeout=10,
        ),
        lambda: requests.get(
            offline_host.url(f"/api/v1/messages/{message_id}"), headers=headers, timeout=10
        ),
        lambda: requests.get(
            offline_host.url(f"/api/v1/profiles/{fiscal_code}"), headers=headers, timeout=10
        ),
        lambda: requests.post(
            offline_host.url("/api/v1/profiles"),
            json={"fiscal_code": fiscal_code},
            headers=headers,
            timeout=10,
        ),
    ]
    # WHEN the operator disables it
    _admin(local_stack, "service", "disable", _service_id(local_stack, key))
    # THEN every institution route answers 403 service-disabled, within the cache's time
    for call in routes:
        problem = expect_problem(_until(403, call), 403)
        assert problem["type"] == "urn:postino:problem:service-disabled"
        assert "disabled" in problem["detail"]
    # AND once enabled again, the key works
    _admin(local_stack, "service", "enable", _service_id(local_stack, key))
    assert _until(200, routes[1]).status_code == 200


def test_a_deleted_services_keys_get_401_and_its_message_stays_in_the_inbox(
    offline_host, local_stack
):
    # GIVEN a service that sent a message to a citizen
    key = register_service(local_stack.settings)
    service_id = _service_id(local_stack, key)
    fiscal_code = _citizen(offline_host)
    message_id = send_message(offline_host, key, fiscal_code, BODY)
    wait_processed(offline_host, key, fiscal_code, message_id)
    # WHEN the operator deletes the service
    _admin(local_stack, "service", "delete", service_id, "--yes")
    # THEN its key is an unknown key: 401
    response = _until(
        401,
        lambda: requests.get(
            offline_host.url(f"/api/v1/profiles/{fiscal_code}"),
            headers={INSTITUTION_KEY_HEADER: key},
            timeout=10,
        ),
    )
    expect_problem(response, 401)
    # AND the citizen still has the message, as sent
    inbox = requests.get(
        offline_host.url("/api/v1/citizen/messages"), headers=citizen_call(fiscal_code), timeout=10
    )
    assert inbox.status_code == 200, inbox.text
    (item,) = [item for item in inbox.json()["items"] if item["id"] == message_id]
    assert item["subject"] == SUBJECT
    assert item["sender_service_id"] == service_id
