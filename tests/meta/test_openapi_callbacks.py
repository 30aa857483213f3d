"""docs/openapi.yaml documents status callbacks as the code makes them: the event types, the
body the dispatcher POSTs, and the signature headers with their form."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS31Validator

from shared.domain.callback_signature import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_headers,
)
from shared.domain.events import EventType, new_event
from shared.services.dispatch_event import callback_body
from tests.builders import a_message

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


@cache
def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def _webhook() -> dict[str, Any]:
    operation: dict[str, Any] = _document()["webhooks"]["statusEvent"]["post"]
    return operation


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = _document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _validator(name: str) -> OAS31Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": _document()["components"]}
    return OAS31Validator(schema)


def test_the_event_types_are_the_callback_event_types_of_the_code():
    documented = _document()["components"]["schemas"]["StatusEventType"]["enum"]
    assert documented == [kind.value for kind in EventType if kind.is_callback]


def test_each_body_the_dispatcher_posts_fits_the_documented_event():
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    message = a_message()
    for kind in (kind for kind in EventType if kind.is_callback):
        reason = "USER_NOT_FOUND" if kind is EventType.REJECTED else None
        body = callback_body(new_event(kind, now, reason=reason), message)
        _validator("StatusEvent").validate(json.loads(body))


def test_a_body_with_the_senders_reference_fits_the_documented_event():
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    message = a_message().model_copy(update={"reference": "PROT-2026-000123"})
    body = json.loads(callback_body(new_event(EventType.PROCESSED, now), message))
    assert body["reference"] == "PROT-2026-000123"
    _validator("StatusEvent").validate(body)


def test_the_examples_fit_the_documented_event():
    content = _webhook()["requestBody"]["content"]["application/json"]
    for example in content["examples"].values():
        _validator("StatusEvent").validate(example["value"])


def test_the_signature_headers_are_the_codes_in_name_and_form():
    parameters = [_resolved(parameter) for parameter in _webhook()["parameters"]]
    assert {parameter["in"] for parameter in parameters} == {"header"}
    by_name = {parameter["name"]: parameter for parameter in parameters}
    assert set(by_name) == {EVENT_ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER}
    signed = signature_headers(
        [b"old", b"new"], event_id="01JEV6W8Q4N8T5V7W9X0Y1Z2AB", timestamp=1796292000, body=b"{}"
    )
    for name, value in signed.items():
        schema = by_name[name]["schema"]
        OAS31Validator({**schema, "components": _document()["components"]}).validate(value)
        assert by_name[name]["required"] is True
        assert by_name[name]["x-postino-additive"] is True


def test_the_webhook_is_marked_as_postinos_addition_and_needs_no_key():
    assert _webhook()["x-postino-additive"] is True
    assert "Postino addition" in _webhook()["description"]
    assert _webhook()["security"] == []
