"""The sandbox fiscal codes the README and the OpenAPI document give institutions are the
code's, with the code's outcomes: institutions copy them into their tests."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS31Validator

from shared.domain.events import EventType, new_event
from shared.domain.message import RejectionReason
from shared.domain.sandbox import SANDBOX_OUTCOMES, SANDBOX_PROCESSED
from shared.services.dispatch_event import callback_body
from tests.builders import a_message

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
OPENAPI = ROOT / "docs" / "openapi.yaml"


def _outcome(reason: object) -> str:
    return "PROCESSED" if reason is None else f"REJECTED `{reason}`"


def _recipient_check(reason: object) -> str:
    if reason is RejectionReason.USER_NOT_FOUND:
        return "404"
    return f"`sender_allowed: {'true' if reason is None else 'false'}`"


def _readme_table() -> dict[str, tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Test keys and the sandbox", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z0-9]{16})` \| ([^|]+?) \| ([^|]+?) \|$", section, re.MULTILINE)
    return {code: (outcome, check) for code, outcome, check in rows}


def test_the_readme_table_lists_every_sandbox_code_with_its_outcome_and_recipient_check():
    expected = {
        code: (_outcome(reason), _recipient_check(reason))
        for code, reason in SANDBOX_OUTCOMES.items()
    }
    assert _readme_table() == expected


def test_the_openapi_test_mark_names_every_sandbox_code_and_is_on_every_message_answer():
    document: dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    components = document["components"]
    mark = components["schemas"]["TestMessageMark"]
    assert mark["x-postino-additive"] is True
    assert "Postino addition" in mark["description"]
    description = " ".join(mark["description"].split())
    for code, reason in SANDBOX_OUTCOMES.items():
        assert f"`{code}` {_outcome(reason)}" in description
    reference = {"$ref": "#/components/schemas/TestMessageMark"}
    status = components["schemas"]["MessageResponseWithContent"]["properties"]
    created = components["responses"]["MessageCreated"]["content"]["application/json"]
    callback = components["schemas"]["StatusEvent"]["properties"]
    assert status["test"] == reference
    assert created["schema"]["properties"]["test"] == reference
    assert callback["test"] == reference


def test_a_test_messages_callback_says_test_and_fits_the_documented_event():
    message = a_message(fiscal_code=SANDBOX_PROCESSED).model_copy(update={"test": True})
    event = new_event(EventType.PROCESSED, datetime(2026, 12, 3, 10, 0, tzinfo=UTC))

    body = json.loads(callback_body(event, message))

    assert body["test"] is True
    document: dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    schema = {"$ref": "#/components/schemas/StatusEvent", "components": document["components"]}
    OAS31Validator(schema).validate(body)
