"""NCRONTAB schedules: parsing and next occurrences."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest

from offline_host.errors import CronExpressionError
from offline_host.ncrontab import parse_ncrontab


def at(text: str) -> datetime:
    """A UTC moment written as ISO 8601 without the zone: "2024-05-01T10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def occurrences(expression: str, start: datetime, count: int) -> list[datetime]:
    return occurrences_in(expression, start, UTC, count)


def occurrences_in(expression: str, start: datetime, zone: tzinfo, count: int) -> list[datetime]:
    schedule = parse_ncrontab(expression)
    found: list[datetime] = []
    moment = start
    for _ in range(count):
        following = schedule.next_after(moment, zone)
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
    # GIVEN seconds 0 and 30 of minutes 10, 15, 20 of hours 8 and 9
    assert occurrences("0,30 10-20/5 8-9 * * *", at("2024-05-01T08:20:01"), 4) == [
        at("2024-05-01T08:20:30"),
        at("2024-05-01T09:10"),
        at("2024-05-01T09:10:30"),
        at("2024-05-01T09:15"),
    ]


def test_value_with_step_runs_from_the_value_to_the_end_of_the_field() -> None:
    assert occurrences("0 5/20 * * * *", at("2024-05-01T10:00"), 4) == [
        at("2024-05-01T10:05"),
        at("2024-05-01T10:25"),
        at("2024-05-01T10:45"),
        at("2024-05-01T11:05"),
    ]


def test_month_and_day_names_with_any_case() -> None:
    # GIVEN noon on weekdays of January and March to May
    found = occurrences("0 0 12 * jan,MAR-May mon-FRI", at("2024-01-31T12:00"), 2)
    # THEN after Wednesday 31 January comes Friday 1 March, then Monday 4 March
    assert found == [at("2024-03-01T12:00"), at("2024-03-04T12:00")]
    # AND full names work too: the first Sunday of December 2024 was the 1st
    assert occurrences("0 0 0 * December Sunday", at("2024-06-01"), 2) == [
        at("2024-12-01"),
        at("2024-12-08"),
    ]


def test_sunday_is_both_zero_and_seven() -> None:
    # 2024-05-05 was a Sunday
    assert occurrences("0 0 0 * * 7", at("2024-05-01"), 1) == [at("2024-05-05")]
    assert occurrences("0 0 0 * * 0", at("2024-05-01"), 1) == [at("2024-05-05")]
    # Friday to Sunday, written with 7
    assert occurrences("0 0 0 * * 5-7", at("2024-05-01"), 4) == [
        at("2024-05-03"),
        at("2024-05-04"),
        at("2024-05-05"),
        at("2024-05-10"),
    ]


def test_a_range_of_one_value_is_that_value_not_the_whole_field() -> None:
    # croniter alone reads "5-5" as every day of the week; NCRONTAB means Friday only
    assert occurrences("0 0 0 * * 5-5", at("2024-05-01"), 2) == [
        at("2024-05-03"),
        at("2024-05-10"),
    ]
    assert occurrences("0 0 0 * * 7-7", at("2024-05-01"), 1) == [at("2024-05-05")]


def test_day_of_month_and_day_of_week_must_both_match() -> None:
    # GIVEN Friday the 13th WHEN asked from 2024-01-01 THEN the first one, 2024-09-13
    assert occurrences("0 0 0 13 * fri", at("2024-01-01"), 2) == [
        at("2024-09-13"),
        at("2024-12-13"),
    ]


def test_friday_the_13th_fires_only_when_both_day_fields_match() -> None:
    # GIVEN "0 0 0 13 * FRI" (AND, not cron's OR) WHEN listing a year and more of occurrences
    found = occurrences("0 0 0 13 * FRI", at("2026-01-01"), 3)
    # THEN only Fridays that are the 13th: 2026-02-13, 2026-03-13, 2026-11-13
    assert found == [at("2026-02-13"), at("2026-03-13"), at("2026-11-13")]
    assert all(moment.day == 13 and moment.weekday() == 4 for moment in found)


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


ROME = ZoneInfo("Europe/Rome")


def test_wall_time_skipped_by_daylight_saving_fires_when_the_gap_ends() -> None:
    # GIVEN 02:30 every day in Rome WHEN clocks jump from 02:00 to 03:00 on 2026-03-29
    schedule = parse_ncrontab("0 30 2 * * *")
    # THEN that day it fires at 03:00 CEST (01:00 UTC), the first wall time after the gap:
    # this is croniter's rule, pinned here. The real host differs: its CronSchedule
    # (azure-webjobs-sdk-extensions, Timers/Scheduling/CronSchedule.cs) takes NCrontab's
    # 02:30 and reads it as a local time with `new DateTimeOffset(...).ToLocalTime()`;
    # .NET reads a wall time inside the gap at the standard offset (+01:00), so Azure
    # fires at 02:30+01:00 = 01:30 UTC = 03:30 CEST, half an hour after this host.
    assert schedule.next_after(at("2026-03-28T02:00"), ROME) == at("2026-03-29T01:00")
    # AND the day after, 02:30 CEST again
    assert schedule.next_after(at("2026-03-29T01:00"), ROME) == at("2026-03-30T00:30")


def test_wall_time_repeated_by_daylight_saving_fires_once() -> None:
    # GIVEN 02:30 every day in Rome WHEN clocks go back from 03:00 to 02:00 on 2026-10-25
    # THEN it fires once that day, at the first 02:30 (CEST, 00:30 UTC), not again at
    # 02:30 CET; the real host does the same for a schedule at a fixed time of day
    assert occurrences_in("0 30 2 * * *", at("2026-10-24T12:00"), ROME, 3) == [
        at("2026-10-25T00:30"),
        at("2026-10-26T01:30"),
        at("2026-10-27T01:30"),
    ]
    # AND asked from inside the repeated hour, after the first 02:30, it waits for the next day
    assert parse_ncrontab("0 30 2 * * *").next_after(at("2026-10-25T01:15"), ROME) == at(
        "2026-10-26T01:30"
    )


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
        # Extensions croniter accepts and NCRONTAB does not
        ("* * * 15W * *", "not a number"),
        ("H * * * * *", "not a number"),
        ("R * * * * *", "not a number"),
        ("* * * * * MON-", "unknown name|not a number"),
        ("@daily", "has 1 fields"),
        ("not a cron expression", "has 4 fields"),
        ("garbage garbage garbage garbage garbage garbage", "second field 'garbage'"),
        ("0 0 0 32 * *", "32 is outside 1-31"),
        ("0 0 0 * 0 *", "0 is outside 1-12"),
    ],
)
def test_invalid_expressions_are_rejected_naming_the_field(expression: str, problem: str) -> None:
    with pytest.raises(CronExpressionError, match=problem) as raised:
        parse_ncrontab(expression)
    assert f"'{expression}'" in str(raised.value)
