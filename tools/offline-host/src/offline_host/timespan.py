"""Parse .NET TimeSpan strings as host.json writes them ("hh:mm:ss", "d.hh:mm:ss.fff")."""

from __future__ import annotations

import re
from datetime import timedelta

from .errors import HostConfigError

_TIMESPAN = re.compile(
    r"^\s*(?P<sign>-)?(?:(?P<days>\d+)\.)?(?P<hours>\d{1,2}):(?P<minutes>\d{1,2})"
    r"(?::(?P<seconds>\d{1,2})(?:\.(?P<fraction>\d{1,7}))?)?\s*$"
)
_DAYS_ONLY = re.compile(r"^\s*(?P<sign>-)?(?P<days>\d+)\s*$")


def parse_timespan(text: str, *, setting: str) -> timedelta:
    """Parse a TimeSpan such as "00:00:30" or "1.02:00:00"; a bare integer means days.

    Raises HostConfigError naming ``setting`` when the text is not a TimeSpan.
    """
    days_only = _DAYS_ONLY.match(text)
    if days_only:
        value = timedelta(days=int(days_only["days"]))
        return -value if days_only["sign"] else value
    match = _TIMESPAN.match(text)
    if not match:
        raise HostConfigError(f"{setting}: '{text}' is not a TimeSpan like 'hh:mm:ss'")
    hours, minutes = int(match["hours"]), int(match["minutes"])
    seconds = int(match["seconds"] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise HostConfigError(f"{setting}: '{text}' has a field out of range")
    fraction = match["fraction"] or "0"
    value = timedelta(
        days=int(match["days"] or 0),
        hours=hours,
        minutes=minutes,
        seconds=seconds,
        microseconds=round(int(fraction.ljust(7, "0")) / 10),
    )
    return -value if match["sign"] else value


def format_timespan(value: timedelta) -> str:
    """Render a non-negative duration as "hh:mm:ss[.fff]", the way the host prints timeouts."""
    total = int(value.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    milliseconds = value.microseconds // 1000
    return f"{text}.{milliseconds:03d}" if milliseconds else text
