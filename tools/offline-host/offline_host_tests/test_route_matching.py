"""Route templates: how one template matches (or not) a request path."""

from __future__ import annotations

import pytest

from offline_host.errors import RouteTemplateError
from offline_host.route_template import parse_route_template
from offline_host.routing import split_request_path


def match(template: str, path: str) -> dict[str, str] | None:
    return parse_route_template(template).match(split_request_path(path))


def test_literal_segments_match_without_regard_to_case() -> None:
    # GIVEN a literal route WHEN the path differs only in case THEN it matches
    assert match("api/Things/latest", "/API/things/LATEST") == {}


def test_literal_segments_must_all_be_present() -> None:
    assert match("api/things/latest", "/api/things") is None
    assert match("api/things", "/api/things/latest") is None


def test_parameter_takes_the_decoded_segment() -> None:
    assert match("api/items/{name}", "/api/items/caff%C3%A8%20latte") == {"name": "caffè latte"}


def test_encoded_slash_does_not_split_a_segment() -> None:
    assert match("api/items/{name}", "/api/items/a%2Fb") == {"name": "a%2Fb"}


def test_optional_parameter_may_be_absent_and_is_then_left_out() -> None:
    # GIVEN an optional last segment
    template = "api/items/{id:int}/{name?}"
    # WHEN the path stops before it THEN it matches without that value
    assert match(template, "/api/items/42") == {"id": "42"}
    # WHEN it is there THEN it is captured
    assert match(template, "/api/items/42/bob") == {"id": "42", "name": "bob"}


def test_trailing_slash_is_ignored() -> None:
    assert match("api/items/{id}", "/api/items/7/") == {"id": "7"}


def test_default_value_fills_a_missing_segment() -> None:
    assert match("api/pages/{page=1}", "/api/pages") == {"page": "1"}
    assert match("api/pages/{page=1}", "/api/pages/3") == {"page": "3"}


def test_catch_all_takes_the_rest_of_the_path_with_its_slashes() -> None:
    assert match("api/files/{*path}", "/api/files/a/b/c.txt") == {"path": "a/b/c.txt"}
    assert match("api/files/{**path}", "/api/files/x") == {"path": "x"}
    assert match("api/files/{*path}", "/api/files") == {}


def test_required_parameter_does_not_match_an_empty_segment() -> None:
    assert match("api/{a}/{b}", "/api//x") is None


def test_mixed_segment_splits_at_the_last_literal_like_aspnet() -> None:
    assert match("api/files/{name}.{ext}", "/api/files/report.final.pdf") == {
        "name": "report.final",
        "ext": "pdf",
    }


def test_mixed_segment_with_optional_extension() -> None:
    assert match("api/files/{name}.{ext?}", "/api/files/readme") == {"name": "readme"}
    assert match("api/files/{name}.{ext?}", "/api/files/readme.md") == {
        "name": "readme",
        "ext": "md",
    }


def test_mixed_segment_needs_its_literals() -> None:
    assert match("api/v{version}", "/api/2") is None
    assert match("api/v{version}", "/api/V2") == {"version": "2"}


def test_constraint_rejection_makes_the_route_not_match() -> None:
    assert match("api/items/{id:int}", "/api/items/abc") is None


def test_empty_template_matches_only_the_empty_path() -> None:
    assert match("", "/") == {}
    assert match("", "/x") is None


def test_escaped_braces_are_literal_text() -> None:
    assert match("api/{{literal}}", "/api/{literal}") == {}


def test_regex_constraint_may_contain_slashes_colons_and_escaped_braces() -> None:
    template = parse_route_template("api/codes/{code:regex(^[a-z]{{2}}:\\d+$)}")
    assert template.match(["api", "codes", "ab:12"]) == {"code": "ab:12"}
    assert template.match(["api", "codes", "abc:12"]) is None


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("api/{id", "not closed"),
        ("api/id}", "unmatched"),
        ("api//items", "twice in a row"),
        ("api/{*rest}/more", "catch-all"),
        ("api/{a}{b}", "literal text between"),
        ("api/{a}/{A}", "appears twice"),
        ("api/{id:nosuch}", "unknown route constraint"),
        ("api/{name}-{ext?}", "optional parameter"),
        ("api/{*rest?}", "cannot be optional"),
        ("api/what?", "'?'"),
        ("api/{a:length(x)}", "integer arguments"),
        ("api/{a:regex(()}", "regex"),
    ],
)
def test_invalid_templates_are_rejected_with_the_reason(template: str, problem: str) -> None:
    with pytest.raises(RouteTemplateError, match=problem):
        parse_route_template(template)
