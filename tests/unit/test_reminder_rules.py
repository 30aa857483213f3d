"""The reminder rules (IO's numbers): which slot is due when, and where quiet hours end,
across the daylight-saving changes of Europe/Rome."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from shared.domain.message import FeatureLevel, Message, MessageContent, Payee, PaymentData
from shared.domain.push import ReminderKind
from shared.domain.reminders import ReminderPolicy, next_check, open_slots, reminder_slots
from tests.builders import FISCAL_CODE, MARKDOWN, SUBJECT

POLICY = ReminderPolicy()
PROCESSED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def premium(*, due: datetime | None = None, payment: bool = False) -> Message:
    content = MessageContent(
        subject=SUBJECT,
        markdown=MARKDOWN,
        due_date=due,
        payment_data=PaymentData(
            amount=100, notice_number="302000000000000001", payee=Payee(fiscal_code="01234567890")
        )
        if payment
        else None,
    )
    accepted = Message.accepted(
        id="01JCZ0000000000000000000AA",
        fiscal_code=FISCAL_CODE,
        sender_service_id="svc-1",
        now=PROCESSED - timedelta(seconds=1),
        time_to_live=3600,
        content=content,
        feature_level_type=FeatureLevel.ADVANCED,
    )
    return accepted.processed(PROCESSED)


def _open(message: Message, now: datetime, *, done=frozenset(), paid=False) -> list[str]:
    return [
        slot.key
        for slot in open_slots(message, done=frozenset(done), paid=paid, now=now, policy=POLICY)
    ]


# --- unread --------------------------------------------------------------------------------


def test_an_unread_message_is_reminded_exactly_3_days_after_it_was_processed():
    message = premium()
    assert _open(message, PROCESSED + 3 * DAY - timedelta(seconds=1)) == []
    assert _open(message, PROCESSED + 3 * DAY) == ["UNREAD:1"]


def test_unread_reminders_come_every_3_days_at_most_3_times():
    message = premium()
    times = [slot.at for slot in reminder_slots(message, paid=False, policy=POLICY)]
    assert times == [PROCESSED + 3 * DAY, PROCESSED + 6 * DAY, PROCESSED + 9 * DAY]
    assert _open(message, PROCESSED + 6 * DAY, done={"UNREAD:1"}) == ["UNREAD:2"]
    everything = {"UNREAD:1", "UNREAD:2", "UNREAD:3"}
    assert _open(message, PROCESSED + 60 * DAY, done=everything) == []
    assert (
        next_check(message, done=frozenset(everything), paid=False, now=PROCESSED, policy=POLICY)
        is None
    )


def test_a_missed_unread_reminder_is_superseded_by_the_next_one():
    # The timer was down from day 2 to day 7: only the second reminder is still open.
    assert _open(premium(), PROCESSED + 7 * DAY) == ["UNREAD:2"]


def test_a_read_message_gets_no_more_unread_reminders():
    message = premium().read(PROCESSED + DAY)
    assert _open(message, PROCESSED + 3 * DAY) == []
    assert next_check(message, done=frozenset(), paid=False, now=PROCESSED, policy=POLICY) is None


def test_the_numbers_are_settings():
    policy = ReminderPolicy(unread_after=DAY, unread_every=2 * DAY, unread_max=2)
    times = [slot.at for slot in reminder_slots(premium(), paid=False, policy=policy)]
    assert times == [PROCESSED + DAY, PROCESSED + 3 * DAY]


# --- payment -------------------------------------------------------------------------------


DUE = datetime(2026, 3, 30, 21, 59, tzinfo=UTC)  # 23:59 in Rome (summer time from 29 March)


def _payment_slots(message: Message) -> list[tuple[str, datetime]]:
    return [
        (slot.key, slot.at)
        for slot in reminder_slots(message, paid=False, policy=POLICY)
        if slot.kind is not ReminderKind.UNREAD
    ]


def test_payment_reminders_fall_13_10_7_and_4_days_before_the_due_date_then_the_day_before():
    message = premium(due=DUE, payment=True)
    assert _payment_slots(message) == [
        ("PAYMENT:1", DUE - 13 * DAY),
        ("PAYMENT:2", DUE - 10 * DAY),
        ("PAYMENT:3", DUE - 7 * DAY),
        ("PAYMENT:4", DUE - 4 * DAY),
        # 29 March, 08:00 in Rome: the day before the due date, when quiet hours end.
        ("DUE_TOMORROW:1", datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
    ]


def test_no_payment_reminder_before_the_13_day_window():
    message = premium(due=DUE, payment=True).read(PROCESSED)
    assert _open(message, DUE - 13 * DAY - timedelta(seconds=1)) == []
    assert _open(message, DUE - 13 * DAY) == ["PAYMENT:1"]


def test_due_tomorrow_goes_on_the_day_before_and_not_on_the_due_day():
    message = premium(due=DUE, payment=True).read(PROCESSED)
    day_before = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert _open(message, day_before, done={"PAYMENT:4"}) == ["DUE_TOMORROW:1"]
    due_day = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert _open(message, due_day, done={"PAYMENT:4"}) == []


def test_nothing_once_the_due_date_passed_or_the_notice_is_paid():
    message = premium(due=DUE, payment=True).read(PROCESSED)
    assert _open(message, DUE + timedelta(seconds=1)) == []
    assert _open(message, DUE - 4 * DAY, paid=True) == []
    assert next_check(message, done=frozenset(), paid=True, now=PROCESSED, policy=POLICY) is None


def test_slots_before_the_message_arrived_are_never_sent():
    arrived_late = premium(due=PROCESSED + 5 * DAY, payment=True)
    keys = [key for key, _ in _payment_slots(arrived_late)]
    assert keys == ["PAYMENT:4", "DUE_TOMORROW:1"]


def test_the_most_urgent_open_slot_comes_first_and_covers_the_others():
    message = premium(due=PROCESSED + 5 * DAY, payment=True)
    # Day 4 (due in a day): unread 1, and the due-tomorrow slot are both open.
    now = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    assert _open(message, now, done={"PAYMENT:4"}) == ["DUE_TOMORROW:1", "UNREAD:1"]


def test_a_message_without_a_payment_but_with_a_deadline_gets_only_unread_reminders():
    message = premium(due=PROCESSED + 20 * DAY)
    kinds = {slot.kind for slot in reminder_slots(message, paid=False, policy=POLICY)}
    assert kinds == {ReminderKind.UNREAD}


# --- quiet hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "quiet"),
    [
        # Winter (UTC+1): 21:00 in Rome is 20:00 UTC, 08:00 is 07:00 UTC.
        (datetime(2026, 3, 27, 19, 59, tzinfo=UTC), False),
        (datetime(2026, 3, 27, 20, 0, tzinfo=UTC), True),
        (datetime(2026, 3, 28, 6, 59, tzinfo=UTC), True),
        (datetime(2026, 3, 28, 7, 0, tzinfo=UTC), False),
        # Summer (UTC+2) from 29 March 2026: 21:00 is 19:00 UTC, 08:00 is 06:00 UTC.
        (datetime(2026, 3, 29, 5, 59, tzinfo=UTC), True),
        (datetime(2026, 3, 29, 6, 0, tzinfo=UTC), False),
        (datetime(2026, 3, 29, 18, 59, tzinfo=UTC), False),
        (datetime(2026, 3, 29, 19, 0, tzinfo=UTC), True),
        # Back to winter on 25 October 2026.
        (datetime(2026, 10, 25, 6, 59, tzinfo=UTC), True),
        (datetime(2026, 10, 25, 7, 0, tzinfo=UTC), False),
    ],
)
def test_quiet_hours_are_on_rome_time_across_daylight_saving(utc, quiet):
    assert POLICY.is_quiet(utc) is quiet


def test_quiet_hours_end_at_8_in_rome_on_the_night_the_clocks_go_forward():
    # 23:00 on 28 March (winter); the night is an hour shorter; 08:00 is summer time.
    late = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    assert POLICY.quiet_ends(late) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    # and on the night they go back
    assert POLICY.quiet_ends(datetime(2026, 10, 24, 22, 0, tzinfo=UTC)) == datetime(
        2026, 10, 25, 7, 0, tzinfo=UTC
    )


def test_quiet_hours_may_be_set_within_a_day():
    policy = ReminderPolicy(quiet_start=time(13, 0), quiet_end=time(14, 0))
    assert policy.is_quiet(datetime(2026, 7, 1, 11, 30, tzinfo=UTC))  # 13:30 in Rome
    assert not policy.is_quiet(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))


def test_the_citizens_day_turns_at_midnight_in_rome():
    assert POLICY.local_day(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == "2026-07-02"
    assert POLICY.next_local_day(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == datetime(
        2026, 7, 1, 22, 0, tzinfo=UTC
    )
