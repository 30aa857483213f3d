"""docs/openapi-internal.yaml tells the truth: valid OpenAPI 3.1, exactly the routes of the
internal API's functions, each needing its one consumer's credential and answering problems
as JSON; no route of it carries a fiscal code."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from shared.domain.consumers import Consumer
from shared.domain.fiscal_code import FISCAL_CODE_PATTERN
from tests.meta.test_openapi_document import HTTP_METHODS, function_routes

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi-internal.yaml"


@cache
def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in _document()["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_the_document_is_valid_openapi_3_1():
    validate(_document(), cls=OpenAPIV31SpecValidator)


def test_every_http_function_is_anonymous_for_the_host_and_checked_by_the_app():
    # The institution API checks API keys; the internal API its consumers' credentials
    # (shared/entrypoints/internal_api.py): no host-level function key opens anything.
    for config in ROOT.glob("*/function.json"):
        for binding in json.loads(config.read_text(encoding="utf-8"))["bindings"]:
            if binding["type"] == "httpTrigger":
                assert binding.get("authLevel") == "anonymous", config.parent.name


def test_every_internal_route_is_documented_and_nothing_else():
    documented = {(method, path) for method, path, _ in _operations()}
    routes = function_routes(internal=True)
    assert sorted(routes - documented) == [], "routes missing from docs/openapi-internal.yaml"
    assert sorted(documented - routes) == [], "documented paths no function serves"


@pytest.mark.parametrize("consumer", list(Consumer))
def test_each_operation_needs_exactly_its_consumers_credential(consumer):
    scheme = _document()["components"]["securitySchemes"][consumer.value]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    theirs = function_routes(internal=True, consumer=consumer)
    for method, path, operation in _operations():
        if (method, path) in theirs:
            assert operation.get("security") == [{consumer.value: []}], f"{method} {path}"
            assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"


def test_no_internal_route_carries_a_fiscal_code():
    for _, path, _ in _operations():
        assert "fiscal_code" not in path, path
    header = _document()["components"]["parameters"]["CitizenFiscalCode"]
    assert (header["in"], header["name"]) == ("header", "Citizen-Fiscal-Code")


def test_errors_are_problem_json():
    responses = _document()["components"]["responses"]
    for method, path, operation in _operations():
        for status, given in operation["responses"].items():
            response = responses[given["$ref"].rsplit("/", 1)[-1]] if "$ref" in given else given
            if str(status).startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"], (
                    f"{method} {path} {status}"
                )


def test_the_fiscal_code_pattern_is_the_codes():
    assert _document()["components"]["schemas"]["FiscalCode"]["pattern"] == FISCAL_CODE_PATTERN
