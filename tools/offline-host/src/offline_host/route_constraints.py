"""Inline route constraints (``{id:int}``, ``{code:length(6)}``...) with ASP.NET Core's meaning.

Values are checked the way .NET parses them with the invariant culture, approximated with
regular expressions where Python's own parsers accept more (``int("1_0")``, ``float("nan")``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .errors import RouteTemplateError

_WHITESPACE = "[ \\t\\n\\v\\f\\r]*"
_INTEGER = re.compile(f"^{_WHITESPACE}[+-]?[0-9]+{_WHITESPACE}$")
_DECIMAL = re.compile(f"^{_WHITESPACE}[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+){_WHITESPACE}$")
_FLOATING = re.compile(
    f"^{_WHITESPACE}[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?{_WHITESPACE}$"
)
_HEX = "[0-9a-fA-F]"
_GUID = re.compile(
    f"^({_HEX}{{32}}|{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
    f"|\\{{{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\\}}"
    f"|\\({_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\\))$"
)
_ALPHA = re.compile("^[a-z]*$", re.IGNORECASE)
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class RouteConstraint:
    """One inline constraint: its text as written, and the test a route value must pass."""

    text: str
    accepts: Callable[[str], bool]


def parse_constraint(text: str) -> RouteConstraint:
    """Build the constraint written as ``name`` or ``name(arguments)``.

    Raises RouteTemplateError for an unknown constraint or bad arguments.
    """
    name, has_arguments, rest = text.partition("(")
    if has_arguments and not rest.endswith(")"):
        raise RouteTemplateError(f"constraint '{text}' lacks its closing parenthesis")
    arguments = rest[:-1] if has_arguments else None
    key = name.strip().lower()
    if key == "regex":
        if arguments is None:
            raise RouteTemplateError("constraint 'regex' needs a pattern: regex(...)")
        try:
            pattern = re.compile(arguments, re.IGNORECASE)
        except re.error as error:
            raise RouteTemplateError(f"constraint '{text}': {error}") from error
        return RouteConstraint(text, lambda value: pattern.search(value) is not None)
    if key in _SIMPLE:
        if arguments is not None:
            raise RouteTemplateError(f"constraint '{key}' takes no arguments")
        return RouteConstraint(text, _SIMPLE[key])
    if key in _WITH_NUMBERS:
        count, build = _WITH_NUMBERS[key]
        numbers = _integers(arguments, text)
        if len(numbers) not in count:
            raise RouteTemplateError(f"constraint '{text}' has the wrong number of arguments")
        return RouteConstraint(text, build(*numbers))
    raise RouteTemplateError(f"unknown route constraint '{name}'")


def _integers(arguments: str | None, text: str) -> list[int]:
    if arguments is None:
        return []
    try:
        return [int(part.strip()) for part in arguments.split(",")]
    except ValueError as error:
        raise RouteTemplateError(f"constraint '{text}' needs integer arguments") from error


def _integer_in(bounds: tuple[int, int]) -> Callable[[str], bool]:
    def accepts(value: str) -> bool:
        return bool(_INTEGER.match(value)) and bounds[0] <= int(value.strip()) <= bounds[1]

    return accepts


def _as_long(value: str) -> int | None:
    return int(value.strip()) if _integer_in(_INT64)(value) else None


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def _length(*bounds: int) -> Callable[[str], bool]:
    low, high = (bounds[0], bounds[0]) if len(bounds) == 1 else bounds
    return lambda value: low <= len(value) <= high


def _minimum(bound: int) -> Callable[[str], bool]:
    return lambda value: (number := _as_long(value)) is not None and number >= bound


def _maximum(bound: int) -> Callable[[str], bool]:
    return lambda value: (number := _as_long(value)) is not None and number <= bound


def _range(low: int, high: int) -> Callable[[str], bool]:
    return lambda value: (number := _as_long(value)) is not None and low <= number <= high


_SIMPLE: dict[str, Callable[[str], bool]] = {
    "int": _integer_in(_INT32),
    "long": _integer_in(_INT64),
    "bool": lambda value: value.strip().lower() in ("true", "false"),
    "alpha": lambda value: bool(_ALPHA.match(value)),
    "guid": lambda value: bool(_GUID.match(value.strip())),
    "decimal": lambda value: bool(_DECIMAL.match(value)),
    "double": lambda value: bool(_FLOATING.match(value)),
    "float": lambda value: bool(_FLOATING.match(value)),
    "datetime": _is_datetime,
    "required": lambda value: value != "",
}

_WITH_NUMBERS: dict[str, tuple[tuple[int, ...], Callable[..., Callable[[str], bool]]]] = {
    "length": ((1, 2), _length),
    "minlength": ((1,), lambda bound: lambda value: len(value) >= bound),
    "maxlength": ((1,), lambda bound: lambda value: len(value) <= bound),
    "min": ((1,), _minimum),
    "max": ((1,), _maximum),
    "range": ((2,), _range),
}
