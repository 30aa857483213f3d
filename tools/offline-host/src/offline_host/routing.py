"""The table of HTTP routes, tried from most to least specific, as ASP.NET orders them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from .route_template import RouteTemplate


@dataclass(frozen=True)
class HttpRoute:
    """Where one HTTP-triggered function listens; ``methods`` None means every method."""

    function_name: str
    template: RouteTemplate
    methods: frozenset[str] | None

    def allows(self, method: str) -> bool:
        return self.methods is None or method.upper() in self.methods


@dataclass(frozen=True)
class RouteMatch:
    """The route a request matched and the values of its parameters."""

    route: HttpRoute
    values: dict[str, str]


class RouteTable:
    """Finds the function that serves a request path and method."""

    def __init__(self, routes: Iterable[HttpRoute]) -> None:
        # Ties on precedence fall back to the template text, so the order never depends
        # on the order functions were discovered in.
        self._routes = sorted(
            routes, key=lambda route: (route.template.precedence, route.template.text.lower())
        )

    @property
    def routes(self) -> tuple[HttpRoute, ...]:
        return tuple(self._routes)

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The first route, in precedence order, whose template and methods fit.

        A route whose template fits but whose methods do not is skipped, as the method is
        just another route constraint in the real host: no route means 404, never 405.
        """
        segments = split_request_path(path)
        for route in self._routes:
            if not route.allows(method):
                continue
            values = route.template.match(segments)
            if values is not None:
                return RouteMatch(route, values)
        return None


def split_request_path(path: str) -> list[str]:
    """Split a raw URL path (no query) into decoded segments; a trailing '/' is ignored.

    An encoded slash (%2F) stays encoded so it cannot create a segment, as in ASP.NET.
    """
    trimmed = path.strip("/")
    if not trimmed:
        return []
    return [
        unquote(raw.replace("%2F", "%252F").replace("%2f", "%252f")) for raw in trimmed.split("/")
    ]
