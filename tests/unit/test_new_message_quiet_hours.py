"""When a new-message push may go out: at once (SEND, IO's way and the default), or, with
NEW_MESSAGE_PUSH_QUIET_HOURS=DEFER, not before the reminders' quiet hours end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from shared.config import InvalidSettingError, reminder_policy
from shared.domain.reminders import (
    NewMessageQuietHours,
    ReminderPolicy,
    new_message_push_not_before,
)

ROOT = Path(__file__).resolve().parents[2]
SEND = ReminderPolicy()
DEFER = ReminderPolicy(new_message_quiet_hours=NewMessageQuietHours.DEFER)
# Winter: Rome is UTC+1, so quiet hours (21:00-08:00) are 20:00-07:00 UTC.
LATE_EVENING = datetime(2026, 1, 15, 22, 30, tzinfo=UTC)  # 23:30 in Rome
EARLY_MORNING = datetime(2026, 1, 16, 5, 0, tzinfo=UTC)  # 06:00 in Rome
AFTERNOON = datetime(2026, 1, 16, 14, 0, tzinfo=UTC)  # 15:00 in Rome
QUIET_ENDS = datetime(2026, 1, 16, 7, 0, tzinfo=UTC)  # 08:00 in Rome


def test_by_default_a_push_in_quiet_hours_goes_at_once():
    assert SEND.new_message_quiet_hours is NewMessageQuietHours.SEND
    assert new_message_push_not_before(LATE_EVENING, SEND) == LATE_EVENING
    assert new_message_push_not_before(EARLY_MORNING, SEND) == EARLY_MORNING


@pytest.mark.parametrize("now", [LATE_EVENING, EARLY_MORNING])
def test_deferred_a_push_in_quiet_hours_waits_until_they_end(now):
    assert new_message_push_not_before(now, DEFER) == QUIET_ENDS


def test_deferred_a_push_outside_quiet_hours_goes_at_once():
    assert new_message_push_not_before(AFTERNOON, DEFER) == AFTERNOON


def test_the_end_of_quiet_hours_is_the_moment_they_end_not_a_moment_before():
    assert new_message_push_not_before(QUIET_ENDS, DEFER) == QUIET_ENDS


def test_deferring_follows_the_quiet_hours_as_configured():
    # GIVEN quiet hours within a day, 13:00-14:00 in Rome (summer: UTC+2)
    policy = ReminderPolicy(
        quiet_start=time(13, 0),
        quiet_end=time(14, 0),
        new_message_quiet_hours=NewMessageQuietHours.DEFER,
    )
    # THEN 13:30 waits until 14:00, and 14:00 goes at once
    at_1330 = datetime(2026, 7, 1, 11, 30, tzinfo=UTC)
    at_1400 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert new_message_push_not_before(at_1330, policy) == at_1400
    assert new_message_push_not_before(at_1400, policy) == at_1400


# the setting


def test_the_setting_left_out_or_empty_is_send():
    assert reminder_policy({}).new_message_quiet_hours is NewMessageQuietHours.SEND
    empty = {"NEW_MESSAGE_PUSH_QUIET_HOURS": " "}
    assert reminder_policy(empty).new_message_quiet_hours is NewMessageQuietHours.SEND


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SEND", NewMessageQuietHours.SEND),
        ("DEFER", NewMessageQuietHours.DEFER),
        (" defer ", NewMessageQuietHours.DEFER),
    ],
)
def test_the_setting_is_read_in_any_letter_case(value, expected):
    policy = reminder_policy({"NEW_MESSAGE_PUSH_QUIET_HOURS": value})
    assert policy.new_message_quiet_hours is expected


def test_an_unknown_value_fails_naming_the_setting_and_its_choices():
    with pytest.raises(InvalidSettingError) as raised:
        reminder_policy({"NEW_MESSAGE_PUSH_QUIET_HOURS": "LATER"})
    assert "NEW_MESSAGE_PUSH_QUIET_HOURS" in str(raised.value)
    assert "SEND or DEFER" in str(raised.value)


def test_the_sample_settings_document_the_default():
    sample = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]
    assert sample["NEW_MESSAGE_PUSH_QUIET_HOURS"] == NewMessageQuietHours.SEND.value
    assert reminder_policy(sample) == ReminderPolicy()
