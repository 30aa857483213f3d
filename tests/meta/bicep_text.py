"""Just enough of Bicep's structure for tests to read the templates (they cannot be compiled
here): each `resource` with its type and body, and the `params:` a module is given."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

AZURE = Path(__file__).resolve().parents[2] / "infra" / "azure"
MAIN = AZURE / "main.bicep"
MODULES = AZURE / "modules"
_RESOURCE = re.compile(r"^resource (\w+) '([^'@]+)@([^']+)'( existing)? = ", re.MULTILINE)
_MODULE = re.compile(r"^module (\w+) '[^']+' = \{", re.MULTILINE)


@dataclass(frozen=True)
class Resource:
    symbol: str
    type: str
    api_version: str
    existing: bool
    # Everything from the resource's opening brace (or loop) to its closing one.
    body: str

    def property(self, name: str) -> str | None:
        """The text after `name:` on its line, first occurrence in the body."""
        match = re.search(rf"^\s*{name}: (.+?)\s*$", self.body, re.MULTILINE)
        return match.group(1) if match else None


def _block(text: str, start: int) -> str:
    """The text from the first `{` at or after `start` to its matching `}`."""
    opening = text.index("{", start)
    depth = 0
    for position in range(opening, len(text)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return text[start : position + 1]
    raise ValueError("unbalanced braces")


def without_comments(text: str) -> str:
    # A comment starts a line or follows a space; `//` in 'https://...' does neither.
    return re.sub(r"(^|\s)//[^\n]*", r"\1", text, flags=re.MULTILINE)


def resources(path: Path) -> list[Resource]:
    text = without_comments(path.read_text(encoding="utf-8"))
    return [
        Resource(
            symbol=match.group(1),
            type=match.group(2),
            api_version=match.group(3),
            existing=bool(match.group(4)),
            body=_block(text, match.end()),
        )
        for match in _RESOURCE.finditer(text)
    ]


def resources_of_type(path: Path, type_: str) -> list[Resource]:
    return [r for r in resources(path) if r.type.lower() == type_.lower() and not r.existing]


def module_params(module: str) -> dict[str, str]:
    """The `name: value` lines of `params: { ... }` of module `module` in main.bicep."""
    text = without_comments(MAIN.read_text(encoding="utf-8"))
    match = next(m for m in _MODULE.finditer(text) if m.group(1) == module)
    block = _block(text, match.start())
    params = _block(block, block.index("params:"))
    return dict(re.findall(r"^\s+(\w+): (.+?)\s*$", params, re.MULTILINE))


def variables(path: Path) -> dict[str, str]:
    """Every one-line `var name = value` of the file."""
    text = without_comments(path.read_text(encoding="utf-8"))
    return dict(re.findall(r"^var (\w+) = (.+?)\s*$", text, re.MULTILINE))
