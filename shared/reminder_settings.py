"""The reminder rules' numbers, read from app settings; IO's published values by default.
With them, whether the quiet hours hold back new-message pushes (default: they do not)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.config import InvalidSettingError, SettingName
from shared.domain.reminders import NewMessageQuietHours, ReminderPolicy

_QUIET_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
DEFAULT_QUIET_HOURS = "21:00-08:00"


def _whole(env: Mapping[str, str], name: SettingName, default: int, *, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < minimum:
        raise InvalidSettingError(f"app setting {name} must be a whole number, at least {minimum}")
    return int(raw)


def _days(env: Mapping[str, str], name: SettingName, default: timedelta) -> timedelta:
    return timedelta(days=_whole(env, name, default.days, minimum=1))


def _quiet_hours(env: Mapping[str, str]) -> tuple[time, time]:
    raw = env.get(SettingName.REMINDER_QUIET_HOURS, "").strip() or DEFAULT_QUIET_HOURS
    match = _QUIET_HOURS.fullmatch(raw)
    if match is None:
        raise InvalidSettingError(
            f"app setting {SettingName.REMINDER_QUIET_HOURS} must look like 21:00-08:00"
        )
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
    return time(start_hour, start_minute), time(end_hour, end_minute)


def _time_zone(env: Mapping[str, str], default: ZoneInfo) -> ZoneInfo:
    raw = env.get(SettingName.REMINDER_TIME_ZONE, "").strip()
    if not raw:
        return default
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSettingError(
            f"app setting {SettingName.REMINDER_TIME_ZONE} must be an IANA time zone, "
            "e.g. Europe/Rome"
        ) from None


def _new_message_quiet_hours(
    env: Mapping[str, str], default: NewMessageQuietHours
) -> NewMessageQuietHours:
    name = SettingName.NEW_MESSAGE_PUSH_QUIET_HOURS
    raw = env.get(name, "").strip().upper()
    if not raw:
        return default
    try:
        return NewMessageQuietHours(raw)
    except ValueError:
        choices = " or ".join(choice.value for choice in NewMessageQuietHours)
        raise InvalidSettingError(f"app setting {name} must be {choices}") from None


def reminder_policy(env: Mapping[str, str]) -> ReminderPolicy:
    """The policy the settings describe. Raises InvalidSettingError naming the setting."""
    default = ReminderPolicy()
    quiet_start, quiet_end = _quiet_hours(env)
    return ReminderPolicy(
        unread_after=_days(env, SettingName.REMINDER_UNREAD_AFTER_DAYS, default.unread_after),
        unread_every=_days(env, SettingName.REMINDER_UNREAD_EVERY_DAYS, default.unread_every),
        unread_max=_whole(env, SettingName.REMINDER_UNREAD_MAX, default.unread_max, minimum=0),
        payment_window=_days(env, SettingName.REMINDER_PAYMENT_WINDOW_DAYS, default.payment_window),
        payment_every=_days(env, SettingName.REMINDER_PAYMENT_EVERY_DAYS, default.payment_every),
        payment_max=_whole(env, SettingName.REMINDER_PAYMENT_MAX, default.payment_max, minimum=0),
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        timezone=_time_zone(env, default.timezone),
        daily_cap=_whole(env, SettingName.REMINDER_DAILY_CAP, default.daily_cap, minimum=1),
        new_message_quiet_hours=_new_message_quiet_hours(env, default.new_message_quiet_hours),
    )
