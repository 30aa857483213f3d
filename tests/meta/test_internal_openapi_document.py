"""docs/openapi-internal.yaml tells the truth: valid OpenAPI 3.1, exactly the routes of the
functions served with a function key, each needing that key and answering problems as JSON."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

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


def test_every_http_function_is_either_institution_or_internal():
    levels = set()
    for config in ROOT.glob("*/function.json"):
        for binding in json.loads(config.read_text(encoding="utf-8"))["bindings"]:
            if binding["type"] == "httpTrigger":
                levels.add(binding.get("authLevel"))
    assert levels <= {"anonymous", "function"}


def test_every_function_key_route_is_documented_and_nothing_else():
    documented = {(method, path) for method, path, _ in _operations()}
    routes = function_routes("function")
    assert sorted(routes - documented) == [], "routes missing from docs/openapi-internal.yaml"
    assert sorted(documented - routes) == [], "documented paths no function serves"


def test_every_operation_needs_the_function_key():
    scheme = _document()["components"]["securitySchemes"]["FunctionKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "x-functions-key")
    for method, path, operation in _operations():
        security = operation.get("security", _document()["security"])
        assert security == [{"FunctionKey": []}], f"{method} {path}"


def test_errors_are_problem_json():
    responses = _document()["components"]["responses"]
    for method, path, operation in _operations():
        for status, given in operation["responses"].items():
            response = responses[given["$ref"].rsplit("/", 1)[-1]] if "$ref" in given else given
            if str(status).startswith(("4", "5")) and str(status) != "401":
                assert list(response["content"]) == ["application/problem+json"], (
                    f"{method} {path} {status}"
                )


def test_the_fiscal_code_pattern_is_the_codes():
    assert _document()["components"]["schemas"]["FiscalCode"]["pattern"] == FISCAL_CODE_PATTERN
