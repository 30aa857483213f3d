"""CreateMessage's body limit is chosen by the caller's tier before the body is read: a
Basic service's big body is refused as it is, never parsed; a Premium service's biggest
message is read without holding its attachments twice."""

from __future__ import annotations

import gc
import json
import tracemalloc
import uuid
from collections.abc import Callable

import azure.functions as func
import pytest

from bench.attachment_memory import request_body
from shared import bootstrap
from shared.domain import message_body, message_rules
from shared.domain.message_body import MAX_ENVELOPE_BYTES
from shared.domain.service import RateLimit, Tier
from shared.entrypoints.create_message import create_message_entry
from shared.services.onboarding import create_service, register_citizen
from tests.builders import random_fiscal_code

pytestmark = pytest.mark.emulators

MIB = 1024 * 1024
JUNK_1_MB = b"[" + b"0," * (MIB // 2 - 1) + b"0]"


@pytest.fixture
def app(local_stack, monkeypatch):
    built = bootstrap.build_app(local_stack.settings)
    monkeypatch.setattr(bootstrap, "app", lambda: built)
    return built


def _key(app, tier: Tier) -> str:
    created = create_service(
        name="Tributi",
        organization_name="Comune di Esempio",
        organization_fiscal_code="01234567890",
        service_id=f"svc-{uuid.uuid4().hex[:10]}",
        tier=tier,
        rate_limit=RateLimit(requests=1000, window_seconds=60),
        services=app.services,
        api_keys=app.api_keys,
    )
    return created.primary_key


def _request(key: str, fiscal_code: str, body: bytes, *, declared: bool) -> func.HttpRequest:
    headers = {"Ocp-Apim-Subscription-Key": key, "Content-Type": "application/json"}
    if declared:
        headers["Content-Length"] = str(len(body))
    return func.HttpRequest(
        "POST",
        f"http://127.0.0.1:7071/api/v1/messages/{fiscal_code}",
        headers=headers,
        route_params={"fiscal_code": fiscal_code},
        body=body,
    )


def _peak(action: Callable[[], func.HttpResponse]) -> tuple[func.HttpResponse, int]:
    gc.collect()
    tracemalloc.start()
    try:
        response = action()
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_basic_services_1_mb_body_is_413_without_being_parsed(app, monkeypatch, declared):
    # GIVEN a Basic service, and parsers that must not be reached
    key = _key(app, Tier.BASIC)

    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(message_rules, "parse_new_message", parse)
    monkeypatch.setattr(message_body, "parse_json_model", parse)
    create_message_entry(_request(key, random_fiscal_code(), b"{}", declared=True))  # warm
    request = _request(key, random_fiscal_code(), JUNK_1_MB, declared=declared)
    # WHEN it sends a 1 MB junk array
    response, peak = _peak(lambda: create_message_entry(request))
    # THEN it is refused as too large, naming its limit, for almost no memory
    assert response.status_code == 413
    problem = json.loads(response.get_body())
    assert f"at most {MAX_ENVELOPE_BYTES} bytes" in problem["detail"]
    assert "Premium" in problem["detail"]
    assert peak < MIB // 4


def test_a_premium_services_biggest_message_is_read_without_a_second_copy(app):
    # GIVEN a Premium service and a registered citizen
    key = _key(app, Tier.PREMIUM)
    fiscal_code = random_fiscal_code()
    register_citizen(fiscal_code, profiles=app.profiles)
    body = request_body()  # two 10 MiB PDFs: about 27 MiB of JSON
    create_message_entry(_request(key, fiscal_code, b"{}", declared=True))  # warm
    request = _request(key, fiscal_code, body, declared=True)
    # WHEN it sends it
    response, peak = _peak(lambda: create_message_entry(request))
    # THEN it is accepted, never holding more than a few slices besides the body
    assert response.status_code == 201, response.get_body()
    assert peak < 8 * MIB < len(body) // 3
