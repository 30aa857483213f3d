"""Inline route constraints accept what ASP.NET Core's accept."""

from __future__ import annotations

import pytest

from offline_host.errors import RouteTemplateError
from offline_host.route_constraints import parse_constraint


@pytest.mark.parametrize(
    ("constraint", "accepted", "rejected"),
    [
        ("int", ["0", "-12", "+7", "2147483647"], ["2147483648", "1.5", "abc", "1_0", ""]),
        ("long", ["9223372036854775807", "-3"], ["9223372036854775808", "x"]),
        ("bool", ["true", "FALSE", "True"], ["yes", "1"]),
        ("alpha", ["abc", "ABCdef"], ["abc1", "è", "a-b"]),
        (
            "guid",
            [
                "0f8fad5b-d9cb-469f-a165-70867728950e",
                "0F8FAD5BD9CB469FA16570867728950E",
                "{0f8fad5b-d9cb-469f-a165-70867728950e}",
            ],
            ["0f8fad5b-d9cb-469f-a165-70867728950", "not-a-guid"],
        ),
        ("decimal", ["1.5", "-2", ".5"], ["1e3", "abc"]),
        ("double", ["1e3", "-2.5"], ["nan", "inf", "1_0"]),
        ("datetime", ["2024-05-01", "2024-05-01T10:00:00"], ["yesterday"]),
        ("length(3)", ["abc"], ["ab", "abcd"]),
        ("length(2,4)", ["ab", "abcd"], ["a", "abcde"]),
        ("minlength(2)", ["ab", "abc"], ["a"]),
        ("maxlength(2)", ["a", "ab"], ["abc"]),
        ("min(10)", ["10", "99"], ["9", "x"]),
        ("max(10)", ["10", "-1"], ["11"]),
        ("range(1,5)", ["1", "5"], ["0", "6", "a"]),
        ("regex(^\\d{3}$)", ["123"], ["1234", "12a"]),
        ("regex(ab)", ["xxABxx"], ["xx"]),
        ("required", ["x"], [""]),
    ],
)
def test_constraint_accepts_and_rejects_like_aspnet(
    constraint: str, accepted: list[str], rejected: list[str]
) -> None:
    # GIVEN a parsed constraint WHEN values are checked THEN only the valid ones pass
    parsed = parse_constraint(constraint)
    assert [value for value in accepted if not parsed.accepts(value)] == []
    assert [value for value in rejected if parsed.accepts(value)] == []


def test_constraint_names_are_case_insensitive() -> None:
    assert parse_constraint("INT").accepts("5")


@pytest.mark.parametrize("text", ["int(3)", "range(1)", "length()", "regex", "unknown"])
def test_malformed_constraints_are_rejected(text: str) -> None:
    with pytest.raises(RouteTemplateError):
        parse_constraint(text)
