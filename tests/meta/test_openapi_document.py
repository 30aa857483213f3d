"""docs/openapi.yaml tells the truth: it is valid OpenAPI 3.1, it has exactly the HTTP
routes of the function.json files, and its limits are the code's."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from shared.domain.attachments import AttachmentInput
from shared.domain.consumers import INTERNAL_FUNCTIONS, Consumer
from shared.domain.errors import ValidationError
from shared.domain.fiscal_code import FISCAL_CODE_PATTERN
from shared.domain.idempotency import MAX_KEY_LENGTH, check_idempotency_key
from shared.domain.ignored_fields import (
    IGNORED_IO_FIELDS,
    MAX_NAMED_FIELDS,
    ignored_field_names,
)
from shared.domain.message import (
    MAX_TIME_TO_LIVE,
    MIN_TIME_TO_LIVE,
    NOTICE_NUMBER_PATTERN,
    ORGANIZATION_FISCAL_CODE_PATTERN,
    TIMESTAMP_PATTERN,
    FeatureLevel,
    MessageContent,
    MessageStatus,
    NewMessage,
    NewMessageContent,
    Payee,
    PaymentData,
    RejectionReason,
)
from shared.domain.message_rules import (
    MAX_ENVELOPE_BYTES,
    MAX_MESSAGE_BODY_BYTES,
    validate_new_message,
)
from shared.domain.rate_limit import RateLimitDecision, current_window, decide
from shared.domain.service import RateLimit
from shared.services.check_recipient import ProfileQuery
from tests.builders import FISCAL_CODE, an_attachment

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The paths IO's clients call, with IO's operation ids: they must not change.
IO_OPERATIONS = {
    ("POST", "/v1/messages/{fiscal_code}"): "submitMessageforUser",
    ("POST", "/v1/messages"): "submitMessageforUserWithFiscalCodeInBody",
    ("GET", "/v1/messages/{fiscal_code}/{id}"): "getMessage",
    # Postino's addition: the same, with no fiscal code in the URL.
    ("GET", "/v1/messages/{id}"): "getMessageById",
    # Postino's addition: the calling service's own messages.
    ("GET", "/v1/messages"): "listMessages",
    ("GET", "/v1/profiles/{fiscal_code}"): "getProfile",
    ("POST", "/v1/profiles"): "getProfileByPOST",
}
RATE_LIMIT_HEADERS = (
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
)
CONSTRAINT_KEYWORDS = (
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "format",
    "enum",
    "const",
)


@cache
def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """`node` with its local `$ref` followed, the referring node's own keywords winning."""
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
    return node


def _component(kind: str, name: str) -> dict[str, Any]:
    component: dict[str, Any] = _document()["components"][kind][name]
    return component


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in _document()["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def _responses() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(operation, status, response) for every documented response."""
    for method, path, operation in _operations():
        for status, response in operation["responses"].items():
            yield f"{method} {path}", status, _resolve(response, _document())


# --- the document is OpenAPI 3.1 -----------------------------------------------------------


def test_the_document_is_valid_openapi_3_1():
    document = _document()
    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_the_documented_server_is_under_the_hosts_route_prefix():
    host = json.loads((ROOT / "host.json").read_text(encoding="utf-8"))
    prefix = host.get("extensions", {}).get("http", {}).get("routePrefix", "api")
    servers = _document()["servers"]
    assert servers
    for server in servers:
        assert server["url"].rstrip("/").endswith(f"/{prefix}"), server["url"]


# --- the routes are the function.json routes ------------------------------------------------


def _route_parameter_end(segment: str, start: int) -> int:
    """Index of the `}` closing the parameter opened at `start` (`}}` is an escaped brace)."""
    position = start + 1
    while position < len(segment):
        if segment.startswith("}}", position):
            position += 2
        elif segment[position] == "}":
            return position
        else:
            position += 1
    raise ValueError(f"unclosed route parameter in {segment!r}")


def _normalized_segment(segment: str) -> tuple[str, bool]:
    """A route segment with constraints, defaults and catch-all marks stripped, and whether
    it is a lone optional parameter (which may be left out of the URL)."""
    parts: list[str] = []
    optional = False
    position = 0
    while position < len(segment):
        if segment.startswith("{{", position):
            parts.append("{")
            position += 2
        elif segment[position] == "{":
            end = _route_parameter_end(segment, position)
            text = segment[position + 1 : end]
            match = re.match(r"\*{0,2}([^:=?]+)", text)
            if match is None:
                raise ValueError(f"route parameter without a name in {segment!r}")
            parts.append("{" + match.group(1) + "}")
            optional = text.endswith("?") or "=" in text
            position = end + 1
        elif segment.startswith("}}", position):
            parts.append("}")
            position += 2
        else:
            parts.append(segment[position])
            position += 1
    lone_parameter = segment.startswith("{") and segment.endswith("}") and len(parts) == 1
    return "".join(parts), optional and lone_parameter


def expand_route(route: str) -> set[str]:
    """The URL paths (below the route prefix) a Functions route template answers on."""
    segments = [_normalized_segment(segment) for segment in route.strip("/").split("/")]
    paths = {"/" + "/".join(text for text, _ in segments)}
    # Optional parameters may only end a template: each can be left out, with those after it.
    for index in range(len(segments) - 1, -1, -1):
        if not segments[index][1]:
            break
        paths.add("/" + "/".join(text for text, _ in segments[:index]))
    return paths


@pytest.mark.parametrize(
    ("route", "paths"),
    [
        ("v1/messages/{fiscal_code?}", {"/v1/messages", "/v1/messages/{fiscal_code}"}),
        ("v1/things/{id:int}", {"/v1/things/{id}"}),
        ("v1/things/{id:regex(^[a-z]{{3}}$)}/x", {"/v1/things/{id}/x"}),
        ("files/{*path}", {"/files/{path}"}),
        ("v1/page/{number:int=1}", {"/v1/page", "/v1/page/{number}"}),
        ("v1/{a}/{b?}", {"/v1/{a}", "/v1/{a}/{b}"}),
    ],
)
def test_route_templates_expand_to_the_paths_they_answer(route, paths):
    assert expand_route(route) == paths


def function_routes(*, internal: bool, consumer: Consumer | None = None) -> set[tuple[str, str]]:
    """(method, path) of every HTTP function of the internal API (INTERNAL_FUNCTIONS; of one
    consumer's when given) or of the institution API (all the others)."""
    routes: set[tuple[str, str]] = set()
    for config in sorted(ROOT.glob("*/function.json")):
        name = config.parent.name
        if (name in INTERNAL_FUNCTIONS) != internal:
            continue
        if consumer is not None and INTERNAL_FUNCTIONS.get(name) is not consumer:
            continue
        bindings = json.loads(config.read_text(encoding="utf-8"))["bindings"]
        for binding in bindings:
            if binding["type"] != "httpTrigger":
                continue
            # No `methods` means every method, which no document of this API should claim.
            methods = binding.get("methods") or HTTP_METHODS
            route = binding.get("route") or config.parent.name
            for path in expand_route(route):
                routes |= {(method.upper(), path) for method in methods}
    return routes


def test_every_http_route_of_the_functions_is_documented_and_nothing_else():
    documented = {(method, path) for method, path, _ in _operations()}
    routes = function_routes(internal=False)
    assert routes
    assert sorted(routes - documented) == [], "routes missing from docs/openapi.yaml"
    assert sorted(documented - routes) == [], "documented paths no function serves"


def test_the_operations_keep_ios_paths_and_operation_ids():
    documented = {(method, path): op.get("operationId") for method, path, op in _operations()}
    assert documented == IO_OPERATIONS


# --- what every response carries ------------------------------------------------------------


def test_every_operation_needs_the_subscription_key():
    scheme = _component("securitySchemes", "SubscriptionKey")
    assert (scheme["type"], scheme["in"], scheme["name"]) == (
        "apiKey",
        "header",
        "Ocp-Apim-Subscription-Key",
    )
    for method, path, operation in _operations():
        security = operation.get("security", _document()["security"])
        assert security == [{"SubscriptionKey": []}], f"{method} {path}"


def _required_headers(response: dict[str, Any]) -> set[str]:
    headers = response.get("headers", {})
    return {
        name
        for name, header in headers.items()
        if _resolve(header, _document()).get("required", False)
    }


def test_every_response_names_its_request_id():
    for operation, status, response in _responses():
        assert "X-Request-Id" in _required_headers(response), f"{operation} {status}"


def test_successes_and_429_carry_the_rate_limit_headers_and_429_retry_after():
    for operation, status, response in _responses():
        if status.startswith("2"):
            # Optional there: a call the rate-limit store could not count goes through
            # without them (the limit fails open).
            assert set(RATE_LIMIT_HEADERS) <= set(response["headers"]), f"{operation} {status}"
        if status == "429":
            assert set(RATE_LIMIT_HEADERS) <= _required_headers(response), operation
        if status in {"429", "503"}:
            assert "Retry-After" in _required_headers(response), f"{operation} {status}"


def test_errors_are_problem_json_and_400_lists_the_invalid_fields():
    for operation, status, response in _responses():
        if not status.startswith(("4", "5")):
            continue
        assert list(response["content"]) == ["application/problem+json"], f"{operation} {status}"
        schema = _resolve(response["content"]["application/problem+json"]["schema"], _document())
        expected = {"400": "ValidationProblemDetails"}.get(status, "ProblemDetails")
        if operation.startswith("POST /v1/messages") and status == "503":
            expected = "SendProblem"  # it may name the id the message was stored under
        assert schema == _component("schemas", expected), f"{operation} {status}"


def test_the_messages_201_says_where_to_read_the_message():
    for operation, status, response in _responses():
        if operation.startswith("POST /v1/messages") and status.startswith("2"):
            assert status == "201", operation
            assert "Location" in _required_headers(response)


def test_postinos_additions_to_io_are_marked():
    too_many_headers = _component("responses", "TooManyRequests")["headers"]
    additive = [
        _component("parameters", "IdempotencyKey"),
        _component("headers", "X-Request-Id"),
        _component("headers", "Idempotency-Replay"),
        _component("headers", "Postino-Ignored-Fields"),
        *(_component("headers", name) for name in RATE_LIMIT_HEADERS),
        *(too_many_headers[name] for name in RATE_LIMIT_HEADERS),
        _component("schemas", "ProblemDetails")["properties"]["errors"],
        _component("schemas", "FieldError"),
    ]
    for node in additive:
        assert node.get("x-postino-additive") is True, node
        assert "Postino addition" in node["description"], node


# --- the limits are the code's --------------------------------------------------------------


def test_the_documented_patterns_and_limits_are_the_codes_constants():
    schemas = _document()["components"]["schemas"]
    assert schemas["FiscalCode"]["pattern"] == FISCAL_CODE_PATTERN
    assert schemas["PaymentNoticeNumber"]["pattern"] == NOTICE_NUMBER_PATTERN
    assert schemas["OrganizationFiscalCode"]["pattern"] == ORGANIZATION_FISCAL_CODE_PATTERN
    ttl = schemas["TimeToLiveSeconds"]
    assert (ttl["minimum"], ttl["maximum"], ttl["default"]) == (
        MIN_TIME_TO_LIVE,
        MAX_TIME_TO_LIVE,
        MIN_TIME_TO_LIVE,
    )
    assert schemas["FeatureLevelType"]["enum"] == [level.value for level in FeatureLevel]
    assert schemas["MessageStatusValue"]["enum"] == [status.value for status in MessageStatus]
    assert schemas["RejectionReason"]["enum"] == [reason.value for reason in RejectionReason]
    assert _component("parameters", "IdempotencyKey")["schema"]["maxLength"] == MAX_KEY_LENGTH
    too_large = _component("responses", "PayloadTooLarge")["description"]
    assert f"{MAX_ENVELOPE_BYTES} bytes" in too_large
    assert f"{MAX_MESSAGE_BODY_BYTES} bytes" in too_large


def _constraints(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """The validation keywords of a property, through `$ref`s and pydantic's `X | None`."""
    node = _resolve(node, root)
    branches = [branch for branch in node.get("anyOf", []) if branch.get("type") != "null"]
    if len(branches) == 1:
        node = {**_resolve(branches[0], root), "default": node.get("default")}
    found = {key: node[key] for key in CONSTRAINT_KEYWORDS if key in node}
    if node.get("default") is not None:
        found["default"] = node["default"]
    return found


# Limits the document states that the models leave to code elsewhere, named there.
CHECKED_OUTSIDE_THE_MODEL = {
    # shared.domain.message_rules checks the recipient with is_valid_fiscal_code.
    ("NewMessage", "fiscal_code"): {"pattern"},
    # shared.domain.message_reference checks its characters (and personal data).
    ("NewMessage", "reference"): {"pattern"},
    ("GetLimitedProfileByPOSTPayload", "fiscal_code"): {"pattern"},
    # A before-validator of MessageContent checks TIMESTAMP_PATTERN (tested below).
    ("MessageContent", "due_date"): {"pattern"},
    ("NewMessageContent", "due_date"): {"pattern"},
    # shared.domain.attachments.attachment_errors counts them, naming the limit.
    ("NewMessageContent", "attachments"): {"maxItems"},
}


def test_the_timestamp_pattern_is_the_codes():
    assert _component("schemas", "Timestamp")["pattern"] == TIMESTAMP_PATTERN


MODELS_OF_SCHEMAS: list[tuple[str, type[pydantic.BaseModel]]] = [
    ("NewMessage", NewMessage),
    ("NewMessageContent", NewMessageContent),
    ("Attachment", AttachmentInput),
    ("MessageContent", MessageContent),
    ("PaymentData", PaymentData),
    ("Payee", Payee),
    ("GetLimitedProfileByPOSTPayload", ProfileQuery),
]


@pytest.mark.parametrize(("schema_name", "model"), MODELS_OF_SCHEMAS)
def test_each_request_schema_has_the_fields_and_limits_of_its_model(schema_name, model):
    document = _document()
    schema = _component("schemas", schema_name)
    model_schema = model.model_json_schema()
    assert set(schema["properties"]) - _ignored_properties(schema) == set(
        model_schema["properties"]
    )
    assert set(schema.get("required", [])) == set(model_schema.get("required", []))
    for name, model_property in model_schema["properties"].items():
        documented = _constraints(schema["properties"][name], document)
        expected = _constraints(model_property, model_schema)
        for keyword in CHECKED_OUTSIDE_THE_MODEL.get((schema_name, name), set()):
            documented.pop(keyword, None)
        assert documented == expected, f"{schema_name}.{name}"


def _ignored_properties(schema: dict[str, Any]) -> set[str]:
    """The properties documented as accepted and ignored (no model field reads them)."""
    return {
        name
        for name, node in schema.get("properties", {}).items()
        if _resolve(node, _document()).get("x-postino-ignored") is True
    }


def test_ios_ignored_fields_are_documented_as_accepted_and_ignored():
    for name in ("NewMessage", "NewMessageWithRecipient"):
        schema = _component("schemas", name)
        assert _ignored_properties(schema) == set(IGNORED_IO_FIELDS), name
        for field in IGNORED_IO_FIELDS:
            # Any value is accepted, as the code accepts any.
            assert _constraints(schema["properties"][field], _document()) == {}, field
    assert "Postino-Ignored-Fields" in _component("responses", "MessageCreated")["headers"]


def test_the_body_recipients_schema_is_new_message_with_the_recipient_required():
    # Written out, not an allOf over NewMessage: generators cannot merge NewMessage's
    # nullable fiscal_code with a required one (tests/clients).
    message = _component("schemas", "NewMessage")
    with_recipient = _component("schemas", "NewMessageWithRecipient")
    assert with_recipient["properties"]["fiscal_code"] == {
        "$ref": "#/components/schemas/FiscalCode"
    }
    others = {name: node for name, node in message["properties"].items() if name != "fiscal_code"}
    assert {
        name: node for name, node in with_recipient["properties"].items() if name != "fiscal_code"
    } == others
    assert set(with_recipient["required"]) == {*message["required"], "fiscal_code"}
    body = _request_body_schema("/v1/messages")
    assert body == {"$ref": "#/components/schemas/NewMessageWithRecipient"}


def test_the_ignored_fields_header_the_code_sends_fits_the_document():
    schema = _component("headers", "Postino-Ignored-Fields")["schema"]
    fields = [*IGNORED_IO_FIELDS, *(f"field-{n}.x_{n}" for n in range(30)), "x" * 64, "y" * 65]
    named = ignored_field_names(fields, set(NewMessage.model_fields))
    assert len(named) == MAX_NAMED_FIELDS
    assert re.fullmatch(schema["pattern"], ", ".join(named))
    assert re.fullmatch(schema["pattern"], ", ".join(named[:1]))


def _request_body_schema(path: str) -> dict[str, Any]:
    operation = _document()["paths"][path]["post"]
    body = _resolve(operation["requestBody"], _document())
    schema: dict[str, Any] = body["content"]["application/json"]["schema"]
    return schema


def _documented_as_valid(body: dict[str, Any], path: str) -> bool:
    # The schema is checked within the whole document, so its local $refs resolve.
    schema = {**_request_body_schema(path), "components": _document()["components"]}
    return bool(OAS31Validator(schema).is_valid(body))


def _accepted_by_the_code(body: dict[str, Any], path_fiscal_code: str | None) -> bool:
    try:
        validate_new_message(path_fiscal_code, json.dumps(body).encode())
    except ValidationError:
        return False
    return True


def _message(**fields: Any) -> dict[str, Any]:
    content = {"subject": "Your identity card is ready", "markdown": "m" * 80}
    return {"content": {**content, **fields.pop("content", {})}, **fields}


PAYMENT = {"amount": 12050, "notice_number": "302001234567890123"}
PDF_ATTACHMENT = an_attachment()
DUE = "2026-06-30T23:59:59Z"


@pytest.mark.parametrize(
    "body",
    [
        _message(),
        _message(fiscal_code=None),
        _message(fiscal_code=FISCAL_CODE),
        _message(content={"payment_data": PAYMENT}),
        _message(content={"payment_data": PAYMENT, "due_date": DUE}),
        _message(content={"payment_data": PAYMENT, "due_date": None}),
        _message(content={"payment_data": None}),
        _message(content={"payment_data": {**PAYMENT, "payee": None}, "due_date": DUE}),
        _message(content={"due_date": DUE}),
        _message(time_to_live=MIN_TIME_TO_LIVE - 1),
        _message(time_to_live=MAX_TIME_TO_LIVE),
        _message(time_to_live=None),
        _message(feature_level_type="ADVANCED"),
        _message(feature_level_type="ADVANCED", content={"attachments": [PDF_ATTACHMENT]}),
        _message(content={"attachments": []}),
        _message(content={"attachments": [{**PDF_ATTACHMENT, "content_type": "image/png"}]}),
        _message(content={"attachments": [{**PDF_ATTACHMENT, "name": ""}]}),
        _message(content={"attachments": [PDF_ATTACHMENT] * 6}),
        _message(unknown_field="ignored"),
        _message(
            default_addresses={"email": "someone@example.org"},
            require_secure_channels=True,
            third_party_data={"id": "ext-1"},
        ),
        _message(third_party_data="any value at all", require_secure_channels=None),
        _message(content={"subject": "too short"}),
    ],
)
def test_the_document_and_the_code_accept_the_same_messages_for_a_path_recipient(body):
    assert _documented_as_valid(body, "/v1/messages/{fiscal_code}") == _accepted_by_the_code(
        body, FISCAL_CODE
    )


@pytest.mark.parametrize(
    "body",
    [
        _message(fiscal_code=FISCAL_CODE),
        _message(fiscal_code=None),
        _message(),
        _message(fiscal_code=FISCAL_CODE, content={"payment_data": PAYMENT}),
        _message(fiscal_code=FISCAL_CODE, default_addresses={"email": "a@example.org"}),
        _message(fiscal_code=FISCAL_CODE, time_to_lve=3600),
    ],
)
def test_the_document_and_the_code_accept_the_same_messages_for_a_body_recipient(body):
    assert _documented_as_valid(body, "/v1/messages") == _accepted_by_the_code(body, None)


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "x" * MAX_KEY_LENGTH,
        "x" * (MAX_KEY_LENGTH + 1),
        "",
        "key with spaces",
        "chiave-è",
        "\t",
    ],
)
def test_the_idempotency_key_schema_accepts_what_the_code_accepts(key):
    schema = _component("parameters", "IdempotencyKey")["schema"]
    documented = (
        schema["minLength"] <= len(key) <= schema["maxLength"]
        and re.search(schema["pattern"], key) is not None
    )
    try:
        check_idempotency_key(key)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert documented == accepted


def test_the_rate_limit_headers_the_code_sends_fit_the_document():
    policy = RateLimit(requests=150, window_seconds=5)
    window = current_window("svc-1", policy, datetime(2026, 11, 2, 9, 30, 1, tzinfo=UTC))
    decision: RateLimitDecision = decide(151, policy, window)
    for name, value in decision.headers().items():
        schema = _component("headers", name)["schema"]
        if schema["type"] == "integer":
            assert value.isdigit(), (name, value)
            assert int(value) >= schema["minimum"], (name, value)
        else:
            assert re.search(schema["pattern"], value), (name, value)
    # The example is the default policy, IO's 150 calls every 5 seconds.
    example = _component("headers", "RateLimit-Policy")["examples"]["io"]["value"]
    assert example == f"{RateLimit().requests};w={RateLimit().window_seconds}"
