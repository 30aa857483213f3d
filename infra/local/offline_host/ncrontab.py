"""NCRONTAB schedules, the six-field cron dialect of timer triggers.

Fields: ``second minute hour day month day-of-week``. Each is ``*``, a value, a range
``a-b``, a list ``a,b``, and any of those with a step ``/n`` (``5/15`` means 5 to the
end of the field every 15). Months and days of the week also take English names or their
three-letter abbreviations; Sunday is 0 or 7. As in the NCrontab library the host uses,
a time matches when *every* field matches: day-of-month and day-of-week are combined with
AND, unlike Vixie cron's OR.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from .errors import CronExpressionError

_MONTH_NAMES = tuple(name.lower() for name in calendar.month_name[1:])
_DAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
# Feb 29 on a given weekday recurs within 28 years, or 40 across a skipped leap year (2100).
_SEARCH_YEARS = 41

_Fail = Callable[[str], CronExpressionError]


@dataclass(frozen=True)
class _Field:
    label: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_base: int = 0
    star_high: int | None = None


_FIELDS = (
    _Field("second", 0, 59),
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day", 1, 31),
    _Field("month", 1, 12, _MONTH_NAMES, name_base=1),
    _Field("day-of-week", 0, 7, _DAY_NAMES, star_high=6),
)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed NCRONTAB expression; every field holds the sorted values it allows."""

    expression: str
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    days_of_week: frozenset[int]

    def next_after(self, moment: datetime, zone: tzinfo = UTC) -> datetime | None:
        """The first occurrence strictly after ``moment`` (aware), in UTC; None if never.

        Fields are matched against wall-clock time in ``zone``. A wall time that does not
        exist (skipped by a DST change) is skipped; a repeated one fires once.
        """
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        wall = moment.astimezone(zone).replace(tzinfo=None, microsecond=0) + timedelta(seconds=1)
        while True:
            candidate = self._next_wall_time(wall)
            if candidate is None:
                return None
            for fold in (0, 1):
                instant = candidate.replace(tzinfo=zone, fold=fold).astimezone(UTC)
                if instant.astimezone(zone).replace(tzinfo=None) != candidate:
                    break  # inside a DST gap: this wall time never happens
                if instant > moment:
                    return instant
            wall = candidate + timedelta(seconds=1)

    def _next_wall_time(self, start: datetime) -> datetime | None:
        first_day = start.date()
        for year in range(start.year, start.year + _SEARCH_YEARS):
            for month in self.months:
                if (year, month) < (start.year, start.month):
                    continue
                last_day = calendar.monthrange(year, month)[1]
                for day in self.days:
                    if day > last_day:
                        break
                    current = date(year, month, day)
                    if current < first_day or current.isoweekday() % 7 not in self.days_of_week:
                        continue
                    if current == first_day:
                        time_of_day = self._first_time_from(start.hour, start.minute, start.second)
                        if time_of_day is None:
                            continue
                    else:
                        time_of_day = (self.hours[0], self.minutes[0], self.seconds[0])
                    return datetime(year, month, day, *time_of_day)
        return None

    def _first_time_from(self, hour: int, minute: int, second: int) -> tuple[int, int, int] | None:
        for h in self.hours:
            if h < hour:
                continue
            for m in self.minutes:
                if h == hour and m < minute:
                    continue
                for s in self.seconds:
                    if h == hour and m == minute and s < second:
                        continue
                    return h, m, s
        return None


def parse_ncrontab(expression: str) -> CronSchedule:
    """Parse a six-field NCRONTAB expression.

    Raises CronExpressionError saying which field is wrong and why.
    """
    parts = expression.split()
    if len(parts) != len(_FIELDS):
        raise CronExpressionError(
            f"'{expression}' has {len(parts)} fields; NCRONTAB needs 6: "
            "second minute hour day month day-of-week"
        )
    values = [
        _parse_field(text, spec, expression) for text, spec in zip(parts, _FIELDS, strict=True)
    ]
    seconds, minutes, hours, days, months, days_of_week = values
    return CronSchedule(
        expression=expression,
        seconds=tuple(sorted(seconds)),
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        days=tuple(sorted(days)),
        months=tuple(sorted(months)),
        days_of_week=frozenset(value % 7 for value in days_of_week),
    )


def _parse_field(text: str, spec: _Field, expression: str) -> set[int]:
    allowed: set[int] = set()
    for item in text.split(","):
        allowed |= _parse_item(item, spec, expression)
    return allowed


def _parse_item(item: str, spec: _Field, expression: str) -> set[int]:
    def fail(reason: str) -> CronExpressionError:
        return CronExpressionError(f"'{expression}': {spec.label} field '{item}': {reason}")

    span, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise fail("the step must be a positive integer")
        step = int(step_text)
    if span == "*":
        low, high = spec.low, spec.star_high if spec.star_high is not None else spec.high
    elif "-" in span:
        first, _, last = span.partition("-")
        low, high = _parse_value(first, spec, fail), _parse_value(last, spec, fail)
        if low > high:
            raise fail("a range must go from low to high")
    else:
        low = _parse_value(span, spec, fail)
        high = spec.high if slash else low
    return set(range(low, high + 1, step))


def _parse_value(text: str, spec: _Field, fail: _Fail) -> int:
    lowered = text.lower()
    if spec.names and lowered.isalpha():
        for index, name in enumerate(spec.names):
            if lowered in (name, name[:3]):
                return index + spec.name_base
        raise fail(f"unknown name '{text}'")
    if not text.isdigit():
        raise fail(f"'{text}' is not a number")
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise fail(f"{value} is outside {spec.low}-{spec.high}")
    return value
