"""The message template of a campaign: subject and Markdown with {placeholders} filled from
each CSV row, and the settings every message of the campaign shares."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postino_send.compat import tomllib

_TEMPLATE_KEYS = {"subject", "markdown", "time_to_live", "feature_level_type", "payment"}
_PAYMENT_KEYS = {"invalid_after_due_date", "payee_fiscal_code"}


class TemplateError(Exception):
    """The template file cannot be read or is malformed; the message says where."""


def placeholders(text: str) -> list[str]:
    """The column names `text` refers to, in order. Raises TemplateError for a malformed
    placeholder (unbalanced braces, attribute or index access, positional `{}`)."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"malformed placeholder: {exc}") from None
    names: list[str] = []
    for _, name, spec, _ in parsed:
        if name is None:
            continue
        if not name or name.isdigit() or "." in name or "[" in name:
            raise TemplateError(
                f"placeholder {{{name}}} must be a column name, e.g. {{first_name}}"
            )
        if spec and "{" in spec:
            raise TemplateError(f"placeholder {{{name}}} has a nested placeholder in its format")
        names.append(name)
    return names


@dataclass(frozen=True)
class MessageTemplate:
    """What every message of a campaign shares; `render` fills in one row."""

    subject: str
    markdown: str
    time_to_live: int | None = None
    feature_level_type: str | None = None
    # Payment options for rows that carry a notice (notice_number and amount columns).
    payment: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Checked once, so that rendering a row can only fail on the row's own cells.
        placeholders(self.subject)
        placeholders(self.markdown)

    @classmethod
    def load(cls, path: Path) -> MessageTemplate:
        """The template in a TOML file. Raises TemplateError."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise TemplateError(f"cannot read the template: {exc.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise TemplateError(f"the template is not valid TOML: {exc}") from None
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> MessageTemplate:
        """The template from its parsed TOML. Raises TemplateError."""
        unknown = sorted(set(data) - _TEMPLATE_KEYS)
        if unknown:
            raise TemplateError(f"unknown template keys: {', '.join(unknown)}")
        for key in ("subject", "markdown"):
            if not isinstance(data.get(key), str):
                raise TemplateError(f"the template needs `{key}`, a string")
        payment = data.get("payment", {})
        if not isinstance(payment, dict):
            raise TemplateError("`payment` must be a table: [payment]")
        unknown = sorted(set(payment) - _PAYMENT_KEYS)
        if unknown:
            raise TemplateError(f"unknown [payment] keys: {', '.join(unknown)}")
        # Types are left to the API's rules (applied to every row before sending).
        return cls(
            subject=data["subject"],
            markdown=data["markdown"],
            time_to_live=data.get("time_to_live"),
            feature_level_type=data.get("feature_level_type"),
            payment=payment,
        )

    def columns(self) -> set[str]:
        """Every column the placeholders refer to."""
        return set(placeholders(self.subject)) | set(placeholders(self.markdown))

    def render(self, cells: Mapping[str, str]) -> tuple[str, str]:
        """The subject and Markdown of one row. Raises KeyError for a missing column."""
        return self.subject.format_map(cells), self.markdown.format_map(cells)
