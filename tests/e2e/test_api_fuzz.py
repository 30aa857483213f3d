"""Property-based fuzzing of the institution API over HTTP, against docs/openapi.yaml.

Schemathesis generates requests from the document, valid ones and (negative mode) invalid
ones, sends them to the app on the offline host with a valid key, and checks every answer:
never a 5xx; a documented status code, content type, headers and body; invalid input
refused; no answer without a key. The seed is fixed, so CI sends the same requests each
run. The messages it gets accepted then go through the queue like any other: they must all
settle, and read back as documented. Last, the answers fuzzing cannot reach (429, 403, 413,
a replay) are provoked on purpose and checked in the same way.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from schemathesis import Case

from infra.local.emulators import PROJECT_ROOT
from shared.adapters.queues import poison_queue_name, queue_client
from shared.bootstrap import build_app
from shared.domain.service import RateLimit, Tier
from shared.services.onboarding import create_service, register_citizen
from tests.builders import FISCAL_CODE
from tests.e2e.fuzzing import complete_fiscal_codes, fuzzing_schema

KEY_HEADER = "Ocp-Apim-Subscription-Key"
DOCUMENT = PROJECT_ROOT / "docs" / "openapi.yaml"
MAX_EXAMPLES = 50
DRAIN_TIMEOUT_SECONDS = 60.0
# IO's path route for a send with the code in the path; the route by id for one in the body.
_LOCATION = re.compile(r"^/api/v1/messages/((?P<fiscal_code>[^/]+)/)?(?P<id>[^/]+)$")

schema = fuzzing_schema(DOCUMENT, max_examples=MAX_EXAMPLES)


@pytest.fixture(scope="module")
def fuzz_service_key(local_stack) -> str:
    """A Premium service allowed any payment amount, with a limit fuzzing never reaches."""
    app = build_app(local_stack.settings)
    keys = create_service(
        name="Fuzz",
        organization_name="Comune di Prova",
        organization_fiscal_code="01234567890",
        tier=Tier.PREMIUM,
        max_allowed_payment_amount=9999999999,
        rate_limit=RateLimit(requests=1_000_000, window_seconds=60),
        services=app.services,
        api_keys=app.api_keys,
    )
    # The document's examples write to this citizen, so they reach an inbox.
    register_citizen(FISCAL_CODE, profiles=app.profiles)
    return keys.primary_key


@pytest.fixture(scope="module")
def created_messages() -> list[tuple[str | None, str]]:
    """(fiscal code, None when it came in the body; id) of every message the fuzzing got
    accepted, in order."""
    return []


def _wait_for_the_queue_to_drain(local_stack) -> None:
    queue = queue_client(local_stack.settings.storage, local_stack.settings.messages_queue)
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    # The count includes messages being processed (invisible): 0 means all are done.
    while queue.get_queue_properties().approximate_message_count != 0:
        assert time.monotonic() < deadline, "the messages queue did not drain"
        time.sleep(0.5)


@schema.parametrize()
def test_every_answer_is_documented_and_none_is_a_server_error(
    case: Case[Any], offline_host, fuzz_service_key, created_messages
) -> None:
    complete_fiscal_codes(case)
    response = case.call_and_validate(
        base_url=offline_host.url("/api"), headers={KEY_HEADER: fuzz_service_key}
    )
    if response.status_code == 201:
        location = _LOCATION.match(response.headers["location"][0])
        assert location is not None
        created_messages.append((location["fiscal_code"], location["id"]))


def test_the_messages_fuzzing_sent_are_processed_without_failures(offline_host, local_stack):
    _wait_for_the_queue_to_drain(local_stack)
    poison = queue_client(
        local_stack.settings.storage,
        poison_queue_name(local_stack.settings.messages_queue),
    )
    assert poison.get_queue_properties().approximate_message_count == 0
    assert "Executed 'Functions.ProcessMessage' (Failed" not in offline_host.log.read_text()


def test_the_messages_fuzzing_sent_read_back_as_documented_and_settled(
    offline_host, local_stack, fuzz_service_key, created_messages
):
    assert created_messages, "the fuzzing above got no message accepted"
    _wait_for_the_queue_to_drain(local_stack)
    get_message = schema["/v1/messages/{fiscal_code}/{id}"]["GET"]
    get_message_by_id = schema["/v1/messages/{id}"]["GET"]
    statuses: Counter[str] = Counter()
    for fiscal_code, message_id in created_messages:
        if fiscal_code is None:  # sent with the code in the body: read it back by id
            case = get_message_by_id.Case(path_parameters={"id": message_id})
        else:
            case = get_message.Case(path_parameters={"fiscal_code": fiscal_code, "id": message_id})
        response = case.call_and_validate(
            base_url=offline_host.url("/api"), headers={KEY_HEADER: fuzz_service_key}
        )
        assert response.status_code == 200, response.text
        statuses[response.json()["status"]] += 1
    assert set(statuses) <= {"PROCESSED", "REJECTED"}, statuses


# --- answers fuzzing cannot reach, checked against the document in the same way ----------

MESSAGE = {
    "content": {
        "subject": "Your identity card is ready",
        "markdown": "Your new electronic identity card is ready to be collected. " * 2,
    }
}


def _service_key(local_stack, **settings: Any) -> str:
    app = build_app(local_stack.settings)
    keys = create_service(
        name="Conformance",
        organization_name="Comune di Prova",
        organization_fiscal_code="01234567890",
        services=app.services,
        api_keys=app.api_keys,
        **settings,
    )
    return keys.primary_key


def _call(offline_host, key: str, method: str, path: str, **case: Any) -> schemathesis.Response:
    """Send one request to a documented operation; check its answer as fuzzing does."""
    response: schemathesis.Response = (
        schema[path][method]
        .Case(**case)
        .call_and_validate(base_url=offline_host.url("/api"), headers={KEY_HEADER: key})
    )
    return response


def test_an_answer_over_the_rate_limit_is_as_documented(offline_host, local_stack):
    key = _service_key(local_stack, rate_limit=RateLimit(requests=1, window_seconds=3600))
    path_parameters = {"fiscal_code": FISCAL_CODE}
    first = _call(
        offline_host, key, "GET", "/v1/profiles/{fiscal_code}", path_parameters=path_parameters
    )
    second = _call(
        offline_host, key, "GET", "/v1/profiles/{fiscal_code}", path_parameters=path_parameters
    )
    assert (first.status_code, second.status_code) == (200, 429)


def test_a_message_the_contract_forbids_is_refused_as_documented(offline_host, local_stack):
    key = _service_key(local_stack, tier=Tier.BASIC)
    body = {**MESSAGE, "fiscal_code": FISCAL_CODE, "feature_level_type": "ADVANCED"}
    assert _call(offline_host, key, "POST", "/v1/messages", body=body).status_code == 403


def test_a_body_too_large_is_refused_as_documented(offline_host, fuzz_service_key):
    body = {**MESSAGE, "fiscal_code": FISCAL_CODE, "padding": "x" * 300_000}
    response = _call(offline_host, fuzz_service_key, "POST", "/v1/messages", body=body)
    assert response.status_code == 413


def test_a_replayed_send_answers_as_documented(offline_host, fuzz_service_key):
    request = {
        "path_parameters": {"fiscal_code": FISCAL_CODE},
        "headers": {"Idempotency-Key": "conformance-replay"},
        "body": MESSAGE,
    }
    first = _call(offline_host, fuzz_service_key, "POST", "/v1/messages/{fiscal_code}", **request)
    again = _call(offline_host, fuzz_service_key, "POST", "/v1/messages/{fiscal_code}", **request)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers.get("idempotency-replay") == ["true"]
