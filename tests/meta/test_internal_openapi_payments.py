"""docs/openapi-internal.yaml describes POST /v1/payments with the code's own rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from shared.domain.message import (
    NOTICE_NUMBER_PATTERN,
    ORGANIZATION_FISCAL_CODE_PATTERN,
    TIMESTAMP_PATTERN,
)
from shared.domain.payment import Payment, PaymentEvent, PaymentEventType, ReversedPayment

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi-internal.yaml"


@cache
def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = _document()["components"]["schemas"]
    return schemas


def test_the_patterns_are_the_codes():
    schemas = _schemas()
    assert schemas["OrganizationFiscalCode"]["pattern"] == ORGANIZATION_FISCAL_CODE_PATTERN
    assert schemas["PaymentNoticeNumber"]["pattern"] == NOTICE_NUMBER_PATTERN
    assert schemas["Timestamp"]["pattern"] == TIMESTAMP_PATTERN


def _required(model: type[BaseModel]) -> set[str]:
    return {name for name, field in model.model_fields.items() if field.is_required()}


def test_the_event_and_the_answer_have_the_models_fields():
    schemas = _schemas()
    assert set(schemas["PaymentEvent"]["properties"]) == set(PaymentEvent.model_fields)
    assert set(schemas["PaymentEvent"]["required"]) == _required(PaymentEvent)
    assert schemas["PaymentEvent"]["properties"]["type"]["enum"] == list(PaymentEventType)
    answered = set(Payment.model_fields) - {"id", "version"}
    assert set(schemas["Payment"]["properties"]) == answered
    assert set(schemas["Payment"]["required"]) == _required(Payment) - {"id"}
    reversed_payment = schemas["Payment"]["properties"]["reversed_payments"]["items"]
    assert set(reversed_payment["properties"]) == set(ReversedPayment.model_fields)


def test_the_operation_answers_201_when_recorded_200_for_a_repeat_and_409_for_a_conflict():
    operation = _document()["paths"]["/v1/payments"]["post"]
    assert operation["tags"] == ["payments"]
    assert {"200", "201", "400", "401", "409", "413", "415", "503"} <= set(operation["responses"])
