"""What shared/domain takes from Python 3.11, also on 3.10.

The bulk sender (clients/postino-send) ships shared/domain and runs on 3.10 too; the app
itself runs on 3.13, where each name here is the standard library's own. On 3.10 each is a
stand-in that behaves the same for what shared/domain does with it.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime, timezone
from enum import Enum

__all__ = ["UTC", "StrEnum", "fromisoformat"]

if sys.version_info >= (3, 11):  # noqa: UP036 - the sender still runs on 3.10
    from datetime import UTC
    from enum import StrEnum

    fromisoformat = datetime.fromisoformat
else:
    UTC = timezone.utc  # noqa: UP017 - 3.10 has no datetime.UTC

    class StrEnum(str, Enum):  # noqa: UP042 - the stand-in for enum.StrEnum
        """3.11's enum.StrEnum: members are their str values, str() and format() give the
        value, and auto() gives the member's name in lower case."""

        def __new__(cls, *values: str) -> StrEnum:
            if len(values) > 3:
                raise TypeError(f"too many arguments for str(): {values!r}")
            if len(values) == 1 and not isinstance(values[0], str):
                raise TypeError(f"{values[0]!r} is not a string")
            value = str(*values)
            member = str.__new__(cls, value)
            member._value_ = value
            return member

        def __str__(self) -> str:
            return str.__str__(self)

        def __format__(self, format_spec: str) -> str:
            return str.__format__(self, format_spec)

        @staticmethod
        def _generate_next_value_(name: str, start: int, count: int, last_values: list[str]) -> str:
            return name.lower()

    # 3.10 reads only what datetime.isoformat writes: no "Z" for UTC, and a fraction of
    # seconds of 3 or 6 digits. 3.11 also reads "Z" (not "z") and 1 to 6 digits.
    _FRACTION_AND_OFFSET = re.compile(r"(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?\Z")

    def fromisoformat(value: str) -> datetime:
        """datetime.fromisoformat as 3.11 reads an RFC 3339 timestamp."""
        tail = _FRACTION_AND_OFFSET.search(value)
        if tail is not None and tail.group(0):
            fraction, offset = tail.group(1) or "", tail.group(2) or ""
            if fraction:
                fraction = fraction.ljust(7, "0")
            if offset == "Z":
                offset = "+00:00"
            value = value[: tail.start()] + fraction + offset
        return datetime.fromisoformat(value)
