"""What the fuzz tests of the two APIs share: how a document is loaded for fuzzing, what is
checked on every answer, and how generated fiscal codes get past the check character."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.schemas import OpenApiSchema

from shared.domain.fiscal_code import FISCAL_CODE_PATTERN, check_character
from shared.entrypoints.citizen_api import CITIZEN_HEADER

SEED = 20261102
UNEXPECTED_METHODS = ["get", "put", "post", "delete", "patch", "options", "trace"]
_FISCAL_CODE_SHAPE = re.compile(FISCAL_CODE_PATTERN)

# What is checked on every answer. Left out: positive_data_acceptance (a document cannot
# express every rule: the check character, personal data in a subject, entitlements,
# Idempotency-Key reuse, a profile's mode rule, a payment in the future; so data valid by
# the document is rightly refused at times), and unsupported_method /
# allow_header_conformance (a method no function accepts finds no route: the Functions
# host answers 404, not 405). The stateful checks need links, and missing_required_header
# has no required header to drop.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
)


def fuzzing_schema(document: Path, *, max_examples: int) -> OpenApiSchema:
    """The document, set to send the same requests each run and run every check above.

    `max_examples` is per operation, in the fuzzing phase; the examples and coverage phases
    add their own. Load it at import, so that the pytest plugin makes one test per
    operation (loading it in a fixture, with schemathesis.pytest.from_fixture, fails under
    pytest 9); the host's address and the key are known only at run time: each call passes
    them.
    """
    return schemathesis.openapi.from_path(
        document,
        config=schemathesis.Config.from_dict(
            {
                "seed": SEED,
                "request-timeout": 30,
                "generation": {
                    "mode": "all",
                    "max-examples": max_examples,
                    "deterministic": True,
                    "database": "none",
                    # Each call sends the right key itself; a generated key (or one left
                    # out in negative mode) would only hide what else a case got wrong.
                    "with-security-parameters": False,
                },
                "phases": {
                    "examples": {"enabled": True},
                    "coverage": {
                        "enabled": True,
                        # Each undocumented method must not be a 5xx. Not QUERY: the
                        # offline host, on Python's http.server, answers methods it does
                        # not know with 501 before any function runs.
                        "unexpected-methods": UNEXPECTED_METHODS,
                    },
                },
                "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            }
        ),
    )


def is_positive(case: Case[Any]) -> bool:
    """Whether the whole case was generated valid by the document."""
    return case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE


def with_check_character(value: Any) -> Any:
    """`value` with its right check character, if it has the form of a fiscal code."""
    if isinstance(value, str) and _FISCAL_CODE_SHAPE.fullmatch(value):
        return value[:15] + check_character(value[:15])
    return value


def complete_fiscal_codes(case: Case[Any]) -> None:
    """Give the fiscal codes of valid cases their right check character.

    The document cannot express the check character, so nearly every generated code would
    be refused at once, and valid cases would never get past validation to the stores.
    Invalid cases keep theirs.
    """
    if not is_positive(case):
        return
    if case.path_parameters and "fiscal_code" in case.path_parameters:
        case.path_parameters["fiscal_code"] = with_check_character(
            case.path_parameters["fiscal_code"]
        )
    if isinstance(case.body, dict) and "fiscal_code" in case.body:
        case.body["fiscal_code"] = with_check_character(case.body["fiscal_code"])
    if case.headers and CITIZEN_HEADER in case.headers:
        case.headers[CITIZEN_HEADER] = with_check_character(case.headers[CITIZEN_HEADER])
