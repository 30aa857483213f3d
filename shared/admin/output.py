"""What commands print: a report with JSON data for scripts and lines for people, and errors
that name the operator's flags rather than the domain's field names."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.domain.errors import FieldError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

# The flag or argument each domain field comes from (the first segment of an error's pointer).
FIELD_FLAGS = {
    "id": "--id",
    "name": "--name",
    "organization_name": "--organization-name",
    "organization_fiscal_code": "--organization-fiscal-code",
    "tier": "--tier",
    "is_limited": "--limited",
    "add_recipients": "--add-recipient",
    "remove_recipients": "--remove-recipient",
    "authorized_cidrs": "--cidr",
    "max_allowed_payment_amount": "--max-payment-amount",
    "rate_limit": "--rate-limit",
    "fiscal_code": "FISCAL_CODE",
    "preferred_languages": "--language",
    "preference_mode": "--mode",
    "allow": "--allow",
    "block": "--block",
    "new_message_pushes": "--new-message-pushes",
    "push_content": "--push-content",
    "reminders": "--reminders",
    "share_read_status": "--share-read-status",
    "message_id": "MESSAGE_ID",
    "limit": "--limit",
    "slot": "--slot",
}


@dataclass(frozen=True)
class Report:
    """A command's result: `data` is printed as JSON with --json, `lines` otherwise."""

    data: dict[str, Any]
    lines: list[str] = field(default_factory=list)


def emit(report: Report, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.data))
    else:
        print("\n".join(report.lines))


def fail(message: str, *, as_json: bool, code: int, details: Sequence[dict[str, Any]] = ()) -> int:
    """Print an error (JSON on stdout with --json, text on stderr otherwise); return `code`."""
    if as_json:
        body: dict[str, Any] = {"error": message}
        if details:
            body["errors"] = list(details)
        print(json.dumps(body))
    else:
        print(f"error: {message}", file=sys.stderr)
        for detail in details:
            print(f"  {detail['flag']}: {detail['detail']}", file=sys.stderr)
    return code


def field_error_details(
    errors: Sequence[FieldError], overrides: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Each error with the flag it is about (`--cidr #2` for the second --cidr given)."""
    flags = {**FIELD_FLAGS, **(overrides or {})}
    details = []
    for error in errors:
        segments = error.pointer.strip("/").split("/")
        flag = flags.get(segments[0], segments[0]) if segments[0] else "input"
        if len(segments) > 1 and segments[1].isdigit():
            flag = f"{flag} #{int(segments[1]) + 1}"
        details.append(
            {"flag": flag, "code": error.code, "detail": error.detail, "pointer": error.pointer}
        )
    return details


def when(moment: datetime | None) -> str:
    """A moment for people: UTC, to the second."""
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(moment: datetime | None) -> str | None:
    """A moment for scripts: ISO 8601 with its offset."""
    return None if moment is None else moment.isoformat()


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows aligned in columns under their headers."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    return [line(headers).rstrip(), *(line(row).rstrip() for row in rows)]


def cache_note(ttl_seconds: float) -> str:
    """How long the API's workers may keep using what they cached of a service or key."""
    return f"within {ttl_seconds:g} s (SERVICE_CACHE_TTL_SECONDS)"
