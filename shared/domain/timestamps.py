"""How Postino writes a time in its answers and events: RFC 3339 in UTC, with a `Z`."""

from __future__ import annotations

from datetime import datetime


def rfc3339(value: datetime) -> str:
    """`value` (aware, UTC) as `2026-12-03T10:00:00Z` (microseconds kept when set)."""
    return value.isoformat().replace("+00:00", "Z")
