"""The route table tries routes from most to least specific, as ASP.NET orders them."""

from __future__ import annotations

from decimal import Decimal

from offline_host.route_template import parse_route_template
from offline_host.routing import HttpRoute, RouteTable


def route(name: str, template: str, methods: set[str] | None = None) -> HttpRoute:
    return HttpRoute(name, parse_route_template(template), frozenset(methods) if methods else None)


def winner(table: RouteTable, path: str, method: str = "GET") -> str | None:
    found = table.match(method, path)
    return None if found is None else found.route.function_name


def test_literal_beats_parameter_whatever_the_declaration_order() -> None:
    # GIVEN a parameter route declared before a literal one that overlaps it
    table = RouteTable([route("ByName", "api/things/{name}"), route("Latest", "api/things/latest")])
    # WHEN the literal path is requested THEN the literal route wins, in any case
    assert winner(table, "/api/things/latest") == "Latest"
    assert winner(table, "/api/THINGS/Latest") == "Latest"
    # AND other values still reach the parameter route
    assert winner(table, "/api/things/other") == "ByName"


def test_constrained_parameter_beats_unconstrained_one() -> None:
    table = RouteTable([route("Any", "api/items/{name}"), route("Numeric", "api/items/{id:int}")])
    assert winner(table, "/api/items/5") == "Numeric"
    assert winner(table, "/api/items/five") == "Any"


def test_parameter_beats_catch_all() -> None:
    table = RouteTable([route("Rest", "api/{*rest}"), route("One", "api/{one}")])
    assert winner(table, "/api/x") == "One"
    assert winner(table, "/api/x/y") == "Rest"


def test_earlier_segments_weigh_more_than_later_ones() -> None:
    table = RouteTable([route("ParamFirst", "api/{a}/fixed"), route("LiteralFirst", "api/b/{c}")])
    assert winner(table, "/api/b/fixed") == "LiteralFirst"


def test_precedence_digits_follow_aspnet() -> None:
    assert parse_route_template("a").precedence == 1
    assert parse_route_template("{a:int}").precedence == 2
    assert parse_route_template("{a}.{b}").precedence == 2
    assert parse_route_template("{a}").precedence == 3
    assert parse_route_template("{*a:int}").precedence == 4
    assert parse_route_template("{*a}").precedence == 5
    assert parse_route_template("a/{b}").precedence == Decimal("1.3")


def test_method_mismatch_falls_through_to_other_routes_and_otherwise_404() -> None:
    # GIVEN a GET-only specific route and an any-method general one
    table = RouteTable(
        [route("GetOnly", "api/things/latest", {"GET"}), route("Any", "api/things/{name}")]
    )
    # WHEN a POST arrives for the specific path THEN the general route serves it
    assert winner(table, "/api/things/latest", "POST") == "Any"
    # AND with no route allowing the method, nothing matches (the host answers 404)
    only_get = RouteTable([route("GetOnly", "api/x", {"GET"})])
    assert winner(only_get, "/api/x", "DELETE") is None


def test_methods_are_compared_without_regard_to_case() -> None:
    table = RouteTable([route("Post", "api/x", {"POST"})])
    assert winner(table, "/api/x", "post") == "Post"


def test_unknown_path_matches_nothing() -> None:
    table = RouteTable([route("One", "api/one")])
    assert table.match("GET", "/api/two") is None
