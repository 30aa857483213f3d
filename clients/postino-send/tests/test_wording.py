"""pydantic's wording of a broken rule, told in the API's plain words."""

from __future__ import annotations

import json

import pytest

from postino_send.api import problem_detail
from postino_send.retry import HttpAnswer
from postino_send.wording import plain_detail


@pytest.mark.parametrize(
    ("pydantic", "plain"),
    [
        ("Field required", "is required"),
        ("Input should be a valid integer", "must be a whole number"),
        (
            "Input should be a valid integer, unable to parse string as an integer",
            "must be a whole number",
        ),
        ("Input should be a valid string", "must be a string"),
        ("String should match pattern '^[0123][0-9]{17}$'", "does not have the expected format"),
        ("String should have at least 80 characters", "is too short: at least 80 characters"),
        ("String should have at most 120 characters", "is too long: at most 120 characters"),
        ("Input should be greater than or equal to 1", "must be at least 1"),
        ("Input should be less than or equal to 604800", "must be at most 604800"),
        ("Input should be 'STANDARD' or 'ADVANCED'", "must be 'STANDARD' or 'ADVANCED'"),
    ],
)
def test_pydantics_messages_become_plain_words(pydantic: str, plain: str) -> None:
    assert plain_detail(pydantic) == plain


def test_the_rules_own_words_are_kept() -> None:
    assert plain_detail("not a valid fiscal code") == "not a valid fiscal code"


def test_a_refusal_from_the_server_is_told_in_the_same_words_with_its_code() -> None:
    body = {
        "title": "Bad request",
        "detail": "1 invalid field(s)",
        "errors": [
            {
                "code": "too_long",
                "detail": "String should have at most 120 characters",
                "pointer": "/content/subject",
            }
        ],
    }

    detail = problem_detail(HttpAnswer(400, {}, json.dumps(body).encode()))

    assert detail == (
        "HTTP 400: 1 invalid field(s); /content/subject: is too long: at most 120 characters "
        "(too_long)"
    )
