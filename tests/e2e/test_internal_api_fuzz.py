"""Property-based fuzzing of the internal API over HTTP, against docs/openapi-internal.yaml.

As tests/e2e/test_api_fuzz.py does for the institution API: Schemathesis generates valid
and invalid requests from the document, sends them to the app on the offline host with the
consumer's token (the citizen back end's on the citizen API, the payment platform's on
payments), and checks every answer: never a 5xx; a documented status code, content type,
headers and body; invalid input refused. The seed is fixed.

Random fiscal codes and message ids find nothing but 404s and empty inboxes. So before
fuzzing, a citizen is registered and sent a few messages (payment notices, a PDF), and
about half the valid cases are steered to that citizen, their messages, a continuation
token into their inbox and the notice they were sent: the answers with real data (inbox
pages, whole messages with download links, a profile, a repeated payment) are checked too,
and a test proves that steering reached them. Last, answers fuzzing does not reach are
provoked on purpose and checked in the same way.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from schemathesis import Case
from schemathesis.core.parameters import ParameterLocation

from infra.local.emulators import PROJECT_ROOT
from shared.bootstrap import build_app
from shared.domain.fiscal_code import check_character
from shared.domain.inbox_paging import continuation_token
from shared.domain.service import Tier
from shared.entrypoints.citizen_api import CITIZEN_HEADER
from shared.services.onboarding import register_citizen
from tests.builders import FISCAL_CODE, an_attachment, message_body
from tests.e2e.conftest import (
    CITIZEN_BACKEND_TOKEN,
    PAYMENT_PLATFORM,
    register_service,
    send_message,
    wait_processed,
)
from tests.e2e.fuzzing import complete_fiscal_codes, fuzzing_schema

CITIZEN_BACKEND = {"Authorization": f"Bearer {CITIZEN_BACKEND_TOKEN}"}
DOCUMENT = PROJECT_ROOT / "docs" / "openapi-internal.yaml"
MAX_EXAMPLES = 40
# The citizen fuzzing is steered to: fixed, so each run sends the same requests.
CITIZEN = "FZZCTZ90A41H501" + check_character("FZZCTZ90A41H501")
PAYEE = "01234567890"
NOTICE_NUMBER = "302000000000000001"
OTHER_NOTICE_NUMBER = "302000000000000002"

schema = fuzzing_schema(DOCUMENT, max_examples=MAX_EXAMPLES)


@dataclass(frozen=True)
class FuzzInbox:
    fiscal_code: str
    message_ids: tuple[str, ...]  # oldest first
    notice_number: str


def _notice(notice_number: str, **payment: Any) -> dict[str, Any]:
    body = message_body(feature_level_type="ADVANCED")
    body["content"]["due_date"] = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    body["content"]["payment_data"] = {"amount": 12_345, "notice_number": notice_number, **payment}
    return body


@pytest.fixture(scope="module")
def fuzz_inbox(local_stack, offline_host) -> FuzzInbox:
    """CITIZEN, registered, with four PROCESSED messages from a Premium service: a plain
    one, two payment notices (with and without a payee) and one with a PDF attached."""
    register_citizen(CITIZEN, profiles=build_app(local_stack.settings).profiles)
    key = register_service(
        local_stack.settings, tier=Tier.PREMIUM, max_allowed_payment_amount=1_000_000
    )
    with_pdf = message_body(feature_level_type="ADVANCED")
    with_pdf["content"]["attachments"] = [an_attachment()]
    bodies = [
        message_body(),
        _notice(NOTICE_NUMBER, payee={"fiscal_code": PAYEE}),
        _notice(OTHER_NOTICE_NUMBER),
        with_pdf,
    ]
    ids = tuple(send_message(offline_host, key, CITIZEN, body) for body in bodies)
    for message_id in ids:
        wait_processed(offline_host, key, CITIZEN, message_id)
    return FuzzInbox(CITIZEN, ids, NOTICE_NUMBER)


@pytest.fixture(scope="module")
def answers() -> defaultdict[str, set[int]]:
    """The statuses each operation answered valid cases steered to the fuzz inbox."""
    return defaultdict(set)


def _pick(*parts: Any) -> int:
    """A number fixed by the generated values, so steering is the same each run."""
    return zlib.crc32(json.dumps(parts, sort_keys=True, default=str).encode())


def _is_valid_at(case: Case[Any], location: ParameterLocation) -> bool:
    return case.meta is not None and not case.meta.is_negative_at(location)


def _steer(case: Case[Any], inbox: FuzzInbox) -> bool:
    """Send about half the valid cases to the fuzz inbox; whether this one was sent there.

    The document's example citizen is other tests' citizen: fuzzing writes to its own.
    """
    headers, params = case.headers, case.path_parameters
    steered = False
    if headers and CITIZEN_HEADER in headers:
        pick = _pick(headers.get(CITIZEN_HEADER), params)
        if headers[CITIZEN_HEADER] == FISCAL_CODE or (
            _is_valid_at(case, ParameterLocation.HEADER) and pick % 2 == 0
        ):
            headers[CITIZEN_HEADER] = inbox.fiscal_code
            steered = True
        if steered and params and "id" in params and _is_valid_at(case, ParameterLocation.PATH):
            params["id"] = inbox.message_ids[pick // 2 % len(inbox.message_ids)]
    query = case.query
    if query and "continuation_token" in query and _is_valid_at(case, ParameterLocation.QUERY):
        pick = _pick(query)
        if pick % 2 == 0:
            before = inbox.message_ids[pick // 2 % len(inbox.message_ids)]
            query["continuation_token"] = continuation_token(before)
    body = case.body
    if isinstance(body, dict) and _is_valid_at(case, ParameterLocation.BODY) and _pick(body) % 2:
        if "fiscal_code" in body and headers and CITIZEN_HEADER in headers:
            # A profile's own fiscal code, when sent, must be the header's.
            body["fiscal_code"] = headers[CITIZEN_HEADER]
        if "notice_number" in body:
            body.update(payee_fiscal_code=PAYEE, notice_number=inbox.notice_number)
            steered = True
    return steered


@schema.parametrize()
def test_every_answer_is_documented_and_none_is_a_server_error(
    case: Case[Any], offline_host, fuzz_inbox, answers
) -> None:
    complete_fiscal_codes(case)
    steered = _steer(case, fuzz_inbox)
    credential = PAYMENT_PLATFORM if case.path == "/v1/payments" else CITIZEN_BACKEND
    response = case.call_and_validate(base_url=offline_host.url("/api"), headers=credential)
    if steered and case.method.upper() == case.operation.method.upper():
        answers[case.operation.label].add(response.status_code)


def test_fuzzing_reached_the_citizens_data(answers):
    # Each operation answered a steered case with success at least once.
    assert {operation: bool(statuses & {200, 201}) for operation, statuses in answers.items()} == {
        "GET /v1/citizen/profile": True,
        "PUT /v1/citizen/profile": True,
        "GET /v1/citizen/messages": True,
        "GET /v1/citizen/messages/{id}": True,
        "PATCH /v1/citizen/messages/{id}": True,
        "POST /v1/payments": True,
    }, dict(answers)


# --- answers fuzzing does not reach, checked against the document in the same way ---------


@pytest.mark.parametrize("paid_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59"])
def test_a_paid_at_with_no_time_in_utc_is_refused_as_documented(offline_host, paid_at):
    # GIVEN a timestamp of the right shape whose UTC time is before year 1 or after 9999
    body = {"payee_fiscal_code": PAYEE, "notice_number": OTHER_NOTICE_NUMBER, "paid_at": paid_at}
    # WHEN the payment platform reports it
    response = (
        schema["/v1/payments"]["POST"]
        .Case(body=body)
        .call_and_validate(base_url=offline_host.url("/api"), headers=PAYMENT_PLATFORM)
    )
    # THEN it is a documented 400 naming paid_at, not a 500
    assert response.status_code == 400, response.text
    assert [error["pointer"] for error in response.json()["errors"]] == ["/paid_at"]
