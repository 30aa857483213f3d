"""NCRONTAB schedules: parsing and next occurrences."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from infra.local.offline_host.errors import CronExpressionError
from infra.local.offline_host.ncrontab import parse_ncrontab


def at(text: str) -> datetime:
    """A UTC moment written as ISO 8601 without the zone: "2024-05-01T10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def occurrences(expression: str, start: datetime, count: int) -> list[datetime]:
    schedule = parse_ncrontab(expression)
    found: list[datetime] = []
    moment = start
    for _ in range(count):
        following = schedule.next_after(moment)
        assert following is not None
        found.append(following)
        moment = following
    return found


def test_every_five_minutes_fires_on_the_minute_multiples() -> None:
    # GIVEN "0 */5 * * * *" WHEN asked from 10:02:30 THEN 10:05, 10:10, 10:15
    assert occurrences("0 */5 * * * *", at("2024-05-01T10:02:30"), 3) == [
        at("2024-05-01T10:05"),
        at("2024-05-01T10:10"),
        at("2024-05-01T10:15"),
    ]


def test_next_occurrence_is_strictly_after_the_given_moment() -> None:
    assert occurrences("0 0 9 * * *", at("2024-05-01T09:00"), 1) == [at("2024-05-02T09:00")]


def test_sub_second_start_rounds_up_to_the_next_second() -> None:
    start = datetime(2024, 5, 1, 9, 0, 0, 500_000, tzinfo=UTC)
    assert occurrences("* * * * * *", start, 1) == [at("2024-05-01T09:00:01")]


def test_lists_ranges_and_stepped_ranges() -> None:
    schedule = parse_ncrontab("0,30 10-20/5 8-9 * * *")
    assert schedule.seconds == (0, 30)
    assert schedule.minutes == (10, 15, 20)
    assert schedule.hours == (8, 9)


def test_value_with_step_runs_from_the_value_to_the_end_of_the_field() -> None:
    assert parse_ncrontab("0 5/20 * * * *").minutes == (5, 25, 45)


def test_month_and_day_names_with_any_case() -> None:
    schedule = parse_ncrontab("0 0 12 * jan,MAR-May mon-FRI")
    assert schedule.months == (1, 3, 4, 5)
    assert schedule.days_of_week == frozenset({1, 2, 3, 4, 5})
    assert parse_ncrontab("0 0 0 * December Sunday").months == (12,)


def test_sunday_is_both_zero_and_seven() -> None:
    assert parse_ncrontab("0 0 0 * * 7").days_of_week == frozenset({0})
    assert parse_ncrontab("0 0 0 * * 5-7").days_of_week == frozenset({5, 6, 0})
    # 2024-05-05 was a Sunday
    assert occurrences("0 0 0 * * 7", at("2024-05-01"), 1) == [at("2024-05-05")]


def test_day_of_month_and_day_of_week_must_both_match() -> None:
    # GIVEN Friday the 13th WHEN asked from 2024-01-01 THEN the first one, 2024-09-13
    assert occurrences("0 0 0 13 * fri", at("2024-01-01"), 2) == [
        at("2024-09-13"),
        at("2024-12-13"),
    ]


def test_february_29_is_found_years_ahead() -> None:
    assert occurrences("0 0 0 29 2 *", at("2025-03-01"), 1) == [at("2028-02-29")]


def test_schedule_that_can_never_fire_has_no_occurrence() -> None:
    assert parse_ncrontab("0 0 0 31 2 *").next_after(at("2024-01-01")) is None


def test_occurrences_follow_the_wall_clock_of_a_time_zone() -> None:
    # GIVEN 09:00 every day in Rome (UTC+2 in summer, UTC+1 in winter)
    rome = ZoneInfo("Europe/Rome")
    schedule = parse_ncrontab("0 0 9 * * *")
    # THEN it fires at 07:00 UTC in May and 08:00 UTC in December
    assert schedule.next_after(at("2024-05-01"), rome) == at("2024-05-01T07:00")
    assert schedule.next_after(at("2024-12-01"), rome) == at("2024-12-01T08:00")


def test_wall_time_skipped_by_daylight_saving_does_not_fire_that_day() -> None:
    # GIVEN 02:30 every day in Rome WHEN clocks jump from 02:00 to 03:00 on 2024-03-31
    rome = ZoneInfo("Europe/Rome")
    schedule = parse_ncrontab("0 30 2 * * *")
    # THEN the next occurrence after the 30th is on April 1st
    assert schedule.next_after(at("2024-03-30T02:00"), rome) == at("2024-04-01T00:30")


def test_result_is_in_utc() -> None:
    following = parse_ncrontab("0 0 9 * * *").next_after(at("2024-05-01"), ZoneInfo("Asia/Tokyo"))
    assert following is not None
    assert following.tzinfo is UTC


def test_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_ncrontab("* * * * * *").next_after(datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("0 */5 * * *", "has 5 fields"),
        ("0 0 0 * * * *", "has 7 fields"),
        ("60 * * * * *", "second field '60'"),
        ("* * 24 * * *", "hour field"),
        ("* * * 0 * *", "day field"),
        ("* * * * 13 *", "month field"),
        ("* * * * * 8", "day-of-week field"),
        ("*/0 * * * * *", "step must be a positive integer"),
        ("* 30-10 * * * *", "from low to high"),
        ("* * * * foo *", "unknown name"),
        ("? * * * * *", "not a number"),
        ("* * * L * *", "not a number"),
        ("* * * * * mon#2", "unknown name|not a number"),
    ],
)
def test_invalid_expressions_are_rejected_naming_the_field(expression: str, problem: str) -> None:
    with pytest.raises(CronExpressionError, match=problem):
        parse_ncrontab(expression)
