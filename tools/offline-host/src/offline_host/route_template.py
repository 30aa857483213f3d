"""Route templates as ASP.NET Core parses and matches them, for HTTP-triggered functions.

A template is ``/``-separated segments. A segment is literal text (matched without regard
to case), a parameter ``{name}``, or a mix of both (``{file}.{ext}``). A parameter may be
optional ``{name?}``, have a default ``{name=value}``, constraints ``{id:int:min(1)}``, or
catch the rest of the path ``{*rest}``. Braces are escaped by doubling them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from .errors import RouteTemplateError
from .route_constraints import RouteConstraint, parse_constraint

_FORBIDDEN_IN_NAME = set("{}/?*=:")


@dataclass(frozen=True)
class Literal:
    """Literal text in a segment."""

    text: str


@dataclass(frozen=True)
class Parameter:
    """A route parameter and what it accepts."""

    name: str
    optional: bool = False
    catch_all: bool = False
    default: str | None = None
    constraints: tuple[RouteConstraint, ...] = ()

    @property
    def can_be_omitted(self) -> bool:
        return self.optional or self.catch_all or self.default is not None

    def accepts(self, value: str) -> bool:
        return all(constraint.accepts(value) for constraint in self.constraints)


Part = Literal | Parameter
Segment = tuple[Part, ...]


@dataclass(frozen=True)
class RouteTemplate:
    """A parsed route template; ``match`` takes the request path already split and decoded."""

    text: str
    segments: tuple[Segment, ...]

    @cached_property
    def parameters(self) -> tuple[Parameter, ...]:
        return tuple(
            part for segment in self.segments for part in segment if isinstance(part, Parameter)
        )

    @cached_property
    def precedence(self) -> Decimal:
        """ASP.NET's inbound precedence: the lower, the more specific, the earlier tried.

        One digit per segment, most significant first: literal 1, mixed segment or
        constrained parameter 2, parameter 3, constrained catch-all 4, catch-all 5.
        """
        total = Decimal(0)
        for index, segment in enumerate(self.segments):
            total += Decimal(_precedence_digit(segment)) / (Decimal(10) ** index)
        return total

    def match(self, path: Sequence[str]) -> dict[str, str] | None:
        """The route values when ``path`` matches this template, else None."""
        values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            catch_all = _catch_all(segment)
            if catch_all is not None:
                rest = "/".join(path[index:])
                if rest or catch_all.default is not None:
                    values[catch_all.name] = rest or str(catch_all.default)
                break
            if index >= len(path):
                if not _omit(segment, values):
                    return None
            elif not _match_segment(segment, path[index], values):
                return None
        else:
            if len(path) > len(self.segments):
                return None
        return values if self._constraints_hold(values) else None

    def _constraints_hold(self, values: dict[str, str]) -> bool:
        return all(p.accepts(values[p.name]) for p in self.parameters if p.name in values)


def parse_route_template(text: str) -> RouteTemplate:
    """Parse a route template.

    Raises RouteTemplateError saying what is wrong (unbalanced braces, empty segment,
    misplaced catch-all or optional parameter, unknown constraint, duplicate name).
    """
    body = text.strip()
    body = body[2:] if body.startswith("~/") else body
    body = body.strip("/")
    segments: list[Segment] = []
    if body:
        segments = [_parse_segment(raw, text) for raw in _split_segments(body, text)]
    template = RouteTemplate(text=text, segments=tuple(segments))
    _validate(template)
    return template


def _is_param(part: Part) -> bool:
    return isinstance(part, Parameter)


def _catch_all(segment: Segment) -> Parameter | None:
    part = segment[0]
    return part if isinstance(part, Parameter) and part.catch_all else None


def _omit(segment: Segment, values: dict[str, str]) -> bool:
    """Whether a segment missing from the path may be left out; fills in its default."""
    part = segment[0]
    if len(segment) != 1 or not isinstance(part, Parameter) or not part.can_be_omitted:
        return False
    if part.default is not None:
        values[part.name] = part.default
    return True


def _match_segment(segment: Segment, text: str, values: dict[str, str]) -> bool:
    if len(segment) > 1:
        found = _match_mixed(segment, text)
        if found is not None:
            values.update(found)
        return found is not None
    part = segment[0]
    if isinstance(part, Literal):
        return part.text.lower() == text.lower()
    if not text:
        return False
    values[part.name] = text
    return True


def _precedence_digit(segment: Segment) -> int:
    if len(segment) > 1:
        return 2
    part = segment[0]
    if isinstance(part, Literal):
        return 1
    digit = 5 if part.catch_all else 3
    return digit - 1 if part.constraints else digit


def _split_segments(body: str, template: str) -> list[str]:
    """Split on '/' outside braces (a regex constraint may contain '/')."""
    segments, current, depth = [], [], 0
    index = 0
    while index < len(body):
        char = body[index]
        doubled = body.startswith(char * 2, index) and char in "{}"
        if doubled:
            current.append(char * 2)
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == "/" and depth == 0:
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    segments.append("".join(current))
    if any(not segment for segment in segments):
        raise RouteTemplateError(f"route '{template}': '/' may not appear twice in a row")
    return segments


def _parse_segment(raw: str, template: str) -> Segment:
    parts: list[Part] = []
    literal: list[str] = []
    index = 0

    def flush_literal() -> None:
        if literal:
            parts.append(Literal("".join(literal)))
            literal.clear()

    while index < len(raw):
        char = raw[index]
        if raw.startswith("{{", index) or raw.startswith("}}", index):
            literal.append(char)
            index += 2
        elif char == "{":
            flush_literal()
            index, content = _read_parameter(raw, index + 1, template)
            if parts and _is_param(parts[-1]):
                raise RouteTemplateError(
                    f"route '{template}': two parameters need literal text between them"
                )
            parts.append(_parse_parameter(content, template))
        elif char == "}":
            raise RouteTemplateError(f"route '{template}': unmatched '}}'")
        elif char == "?":
            raise RouteTemplateError(f"route '{template}': '?' is not allowed in literal text")
        else:
            literal.append(char)
            index += 1
    flush_literal()
    return tuple(parts)


def _read_parameter(raw: str, start: int, template: str) -> tuple[int, str]:
    content: list[str] = []
    index = start
    while index < len(raw):
        char = raw[index]
        if raw.startswith("}}", index) or raw.startswith("{{", index):
            content.append(char)
            index += 2
        elif char == "}":
            return index + 1, "".join(content)
        elif char == "{":
            raise RouteTemplateError(f"route '{template}': unescaped '{{' inside a parameter")
        else:
            content.append(char)
            index += 1
    raise RouteTemplateError(f"route '{template}': a '{{' is not closed")


def _parse_parameter(content: str, template: str) -> Parameter:
    catch_all = content.startswith("*")
    content = content.lstrip("*") if catch_all else content
    end = 0
    while end < len(content) and content[end] not in ":=?":
        end += 1
    name, rest = content[:end], content[end:]
    if not name or _FORBIDDEN_IN_NAME & set(name):
        raise RouteTemplateError(f"route '{template}': invalid parameter name '{name}'")
    constraints: list[RouteConstraint] = []
    default: str | None = None
    optional = False
    while rest:
        if rest[0] == ":":
            length = _constraint_length(rest)
            constraints.append(parse_constraint(rest[1:length]))
            rest = rest[length:]
        elif rest[0] == "=":
            default, rest = rest[1:], ""
        elif rest == "?":
            optional, rest = True, ""
        else:
            raise RouteTemplateError(f"route '{template}': cannot parse parameter '{{{content}}}'")
    if optional and catch_all:
        raise RouteTemplateError(f"route '{template}': a catch-all parameter cannot be optional")
    return Parameter(name, optional, catch_all, default, tuple(constraints))


def _constraint_length(rest: str) -> int:
    """Length of ``:constraint(args)`` at the start of ``rest``; parentheses may nest."""
    depth = 0
    index = 1
    while index < len(rest):
        char = rest[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and (char in ":=" or (char == "?" and index == len(rest) - 1)):
            break
        index += 1
    return index


def _validate(template: RouteTemplate) -> None:
    seen: set[str] = set()
    last = len(template.segments) - 1
    for position, segment in enumerate(template.segments):
        for index, part in enumerate(segment):
            if not isinstance(part, Parameter):
                continue
            key = part.name.lower()
            if key in seen:
                raise RouteTemplateError(
                    f"route '{template.text}': parameter '{part.name}' appears twice"
                )
            seen.add(key)
            if part.catch_all and (position != last or len(segment) > 1):
                raise RouteTemplateError(
                    f"route '{template.text}': a catch-all must be the whole last segment"
                )
            if part.optional and len(segment) > 1:
                preceding = segment[index - 1] if index else None
                if index != len(segment) - 1 or preceding != Literal("."):
                    raise RouteTemplateError(
                        f"route '{template.text}': in a mixed segment an optional parameter "
                        "must come last, right after '.'"
                    )
            if part.optional and part.default is not None:
                raise RouteTemplateError(
                    f"route '{template.text}': '{part.name}' cannot be optional and have a default"
                )


def _match_mixed(segment: Segment, text: str) -> dict[str, str] | None:
    found = _match_mixed_exactly(segment, text)
    last = segment[-1]
    if found is None and isinstance(last, Parameter) and last.optional:
        found = _match_mixed_exactly(segment[:-2], text)
    return found


def _match_mixed_exactly(segment: Segment, text: str) -> dict[str, str] | None:
    """Match right to left, as ASP.NET does: each literal is its last occurrence that
    leaves at least one character for the parameter after it."""
    values: dict[str, str] = {}
    lowered = text.lower()
    end = len(text)
    pending: Parameter | None = None
    for part in reversed(segment):
        if isinstance(part, Parameter):
            pending = part
            continue
        literal = part.text.lower()
        if pending is None:
            start = end - len(literal)
            if start < 0 or lowered[start:end] != literal:
                return None
        else:
            start = lowered.rfind(literal, 0, end - 1)
            if start < 0:
                return None
            values[pending.name] = text[start + len(literal) : end]
            pending = None
        end = start
    if pending is not None:
        if end == 0:
            return None
        values[pending.name] = text[:end]
    elif end != 0:
        return None
    return values
