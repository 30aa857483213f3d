"""NCRONTAB schedules, the six-field cron dialect of timer triggers.

Fields: ``second minute hour day month day-of-week``. Each is ``*``, a value, a range
``a-b``, a list ``a,b``, and any of those with a step ``/n`` (``5/15`` means 5 to the
end of the field every 15). Months and days of the week also take English names or their
three-letter abbreviations; Sunday is 0 or 7. As in the NCrontab library the host uses,
a time matches when *every* field matches: day-of-month and day-of-week are combined with
AND, unlike Vixie cron's OR.

Occurrences come from croniter. This module only checks the NCRONTAB syntax and hands
croniter each field as the plain list of values it allows, because croniter reads some
NCRONTAB forms differently (``5-5`` as the whole field, ``30-10`` as a wrap-around, ``7/2``
as every other day from Sunday, full names not at all) and takes extensions NCRONTAB
refuses (``?``, ``L``, ``W``, ``#``, ``H``, ``R``).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from croniter import CroniterBadDateError, CroniterError, croniter

from .errors import CronExpressionError

_MONTH_NAMES = tuple(name.lower() for name in calendar.month_name[1:])
_DAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
# Feb 29 on a given weekday recurs within 28 years, or 40 across a skipped leap year (2100);
# croniter gives up after this many years, so a schedule that never fires ends the search.
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
    """A parsed NCRONTAB expression."""

    expression: str
    # The same schedule with every field spelled as its values, as croniter reads it alike.
    croniter_expression: str = field(repr=False)

    def next_after(self, moment: datetime, zone: tzinfo = UTC) -> datetime | None:
        """The first occurrence strictly after ``moment`` (aware), in UTC; None if never.

        Fields are matched against wall-clock time in ``zone``. A wall time that happens
        twice (clocks going back) fires once, the first time. A wall time that does not
        exist (clocks going forward) fires at the first wall time after the gap, as
        croniter does: a daily 02:30 fires at 03:00 that day in Europe/Rome.
        """
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        occurrences = croniter(
            self.croniter_expression,
            moment.astimezone(zone),
            ret_type=datetime,
            day_or=False,
            max_years_between_matches=_SEARCH_YEARS,
            second_at_beginning=True,
        )
        try:
            found = occurrences.get_next()
            while _repeats_an_earlier_wall_time(found):
                found = occurrences.get_next()
        except CroniterBadDateError:
            return None
        return found.astimezone(UTC)


def _repeats_an_earlier_wall_time(moment: datetime) -> bool:
    # The second pass through a repeated hour: the same wall time first read an offset ago.
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


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
    fields = [
        _croniter_field(text, spec, expression) for text, spec in zip(parts, _FIELDS, strict=True)
    ]
    croniter_expression = " ".join(fields)
    try:
        croniter.expand(croniter_expression, second_at_beginning=True)
    except CroniterError as error:
        raise CronExpressionError(f"'{expression}': {error}") from error
    return CronSchedule(expression, croniter_expression)


def _croniter_field(text: str, spec: _Field, expression: str) -> str:
    if text == "*":
        return text
    allowed: set[int] = set()
    for item in text.split(","):
        allowed |= _parse_item(item, spec, expression)
    if spec.star_high is not None:  # day of week: Sunday is 7 as well as 0
        allowed = {value % (spec.star_high + 1) for value in allowed}
    return ",".join(str(value) for value in sorted(allowed))


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
