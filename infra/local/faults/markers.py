"""Markers: a token unique to one send, put in its message's Markdown, so that an audit
finds every document the send left behind, whatever ids the host gave them."""

from __future__ import annotations

import re
import uuid

_PREFIX = "fault-run-marker-"
_MARKER = re.compile(rf"{_PREFIX}[0-9a-f]{{32}}")


def new_marker() -> str:
    """A marker no other send has."""
    return f"{_PREFIX}{uuid.uuid4().hex}"


def find_marker(text: str) -> str | None:
    """The marker `text` carries, if any."""
    found = _MARKER.search(text)
    return found.group(0) if found else None
