"""What the e2e package checks in every log it produced: no fiscal code, no API key, no
subject, Markdown or attachment name.

Values are recorded as the tests send them (every request to the host passes through
`requests.Session.send`, which the package fixture wraps; keys the helpers issue are added
directly), and scanned for in the offline host's log (the functions' own lines included)
and in the lines the app's code logged inside the test process; values that are text of
the app's own source are left out (see app_source_text). Fiscal codes need no record: any
string shaped like one whose check character is right is a finding.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from shared.domain.attachments import sanitize_name
from shared.domain.fiscal_code import FISCAL_CODE_PATTERN, is_valid_fiscal_code

INSTITUTION_KEY_HEADER = "Ocp-Apim-Subscription-Key"
# Anything shaped like a fiscal code, in any case, not inside a longer word or id.
_FISCAL_CODE_LIKE = re.compile(
    r"(?<![A-Za-z0-9])" + FISCAL_CODE_PATTERN.strip("^$") + r"(?![A-Za-z0-9])", re.IGNORECASE
)
# Short or repetitive values (a fuzzer's "aaaaaaaaaa") would be found by chance.
MIN_LENGTH = 8
MIN_DISTINCT_CHARACTERS = 5


def _distinctive(value: str) -> bool:
    text = value.strip()
    return len(text) >= MIN_LENGTH and len(set(text)) >= MIN_DISTINCT_CHARACTERS


@dataclass
class SentValues:
    """The private values the tests sent, each with what it is."""

    kinds: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, value: object) -> None:
        if isinstance(value, str) and _distinctive(value):
            self.kinds.setdefault(value.strip(), kind)

    def add_request(self, request: requests.PreparedRequest) -> None:
        self.add("API key", request.headers.get(INSTITUTION_KEY_HEADER))
        body = request.body
        if not isinstance(body, bytes | str) or not body:
            return
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to matter
            return
        self._add_content(document)

    def _add_content(self, node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                self._add_content(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key in ("subject", "markdown"):
                self.add(key, value)
            elif key == "attachments" and isinstance(value, list):
                for attachment in value:
                    name = attachment.get("name") if isinstance(attachment, dict) else None
                    self.add("attachment name", name)
                    if isinstance(name, str):
                        self.add("attachment name", sanitize_name(name))
            else:
                self._add_content(value)

    def outside(self, public_text: str) -> SentValues:
        """The values not found in `public_text`."""
        return SentValues({v: k for v, k in self.kinds.items() if v not in public_text})


SENT = SentValues()
ROOT = Path(__file__).resolve().parents[2]


def app_source_text() -> str:
    """The app's own Python source. Hypothesis (under schemathesis) draws strings from the
    constants of the code it runs against, so a fuzzed subject can be a word of the app's
    own ("request_id") that its log lines rightly contain: such a value is the app's text,
    not something private a caller sent, and is not looked for."""
    folders = [ROOT / "shared", ROOT / "infra", *(p.parent for p in ROOT.glob("*/function.json"))]
    return "\n".join(
        path.read_text(encoding="utf-8") for folder in folders for path in folder.rglob("*.py")
    )


def _texts(line: str) -> Iterator[str]:
    """The line, and for a JSON line each string in it decoded (so escaped characters of
    a subject or Markdown compare equal)."""
    yield line
    try:
        document = json.loads(line)
    except ValueError:
        return
    if isinstance(document, dict):
        yield from (value for value in document.values() if isinstance(value, str))


def _shown(value: str) -> str:
    """Enough of a test value to tell which it was."""
    return repr(value if len(value) <= 24 else value[:20] + "...")


def findings(source: str, text: str, sent: SentValues) -> list[str]:
    """Every private value found in `text`, one description each (source and line)."""
    found: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for piece in _texts(line):
            for match in _FISCAL_CODE_LIKE.finditer(piece):
                if is_valid_fiscal_code(match.group(0).upper()):
                    found.append(f"{source}:{number}: a fiscal code ({match.group(0)})")
            found.extend(
                f"{source}:{number}: {kind} ({_shown(value)})"
                for value, kind in sent.kinds.items()
                if value in piece
            )
    return sorted(set(found))


class CapturedLines(logging.Handler):
    """The app's own log lines written in the test process (loggers under `shared` and
    `infra`), formatted with their exception text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".", 1)[0] in ("shared", "infra"):
            self.lines.append(self.format(record))
