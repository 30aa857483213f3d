"""ReminderTimer's runs over the schedule, with a controllable clock: who gets a reminder,
when, how often, and that each goes out once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.message import FeatureLevel, Message, MessageContent
from shared.domain.message_ref import MessageRef
from shared.domain.payment import Payment
from shared.domain.profile import PreferenceMode, ReminderConsent
from shared.domain.push import ReminderKind
from shared.domain.reminder_schedule import ClaimState, claim_id
from shared.domain.service import Tier
from shared.services.process_message import process_message
from shared.services.send_reminders import ReminderPlanner
from tests.builders import (
    FISCAL_CODE,
    MARKDOWN,
    OTHER_FISCAL_CODE,
    SUBJECT,
    a_service,
    random_fiscal_code,
)
from tests.fakes import FakeAttachmentStore
from tests.unit.reminder_world import DAY, NOTICE, PAYEE, POLICY, PROCESSED, World


@pytest.fixture
def world() -> World:
    return World()


# --- who ------------------------------------------------------------------------------------


def test_an_unread_premium_message_is_reminded_on_day_3_and_once(world):
    world.citizen()
    message = world.deliver()
    assert world.run(PROCESSED + 3 * DAY - timedelta(minutes=1)).sent == 0
    report = world.run(PROCESSED + 3 * DAY)
    assert (report.sent, world.kinds()) == (1, [ReminderKind.UNREAD])
    push = world.push.sent[0]
    assert (push.message_id, push.collapse_key) == (message.id, message.id)
    assert FISCAL_CODE not in push.tag
    assert world.run(PROCESSED + 3 * DAY + timedelta(hours=2)).sent == 0


def test_three_unread_reminders_at_most_then_nothing(world):
    world.citizen()
    world.deliver()
    for day in (3, 6, 9, 12, 15):
        world.run(PROCESSED + day * DAY)
    assert world.kinds() == [ReminderKind.UNREAD] * 3
    assert world.schedule.all_entries() == []


def test_no_consent_no_reminder(world):
    world.citizen(reminders=ReminderConsent.DISABLED)
    world.deliver()
    report = world.run(PROCESSED + 3 * DAY)
    assert (report.sent, report.skipped) == (0, 1)


def test_consent_given_later_counts_for_the_next_reminder(world):
    world.citizen(reminders=ReminderConsent.DISABLED)
    world.deliver()
    world.run(PROCESSED + 3 * DAY)
    world.citizen(reminders=ReminderConsent.ENABLED)
    world.run(PROCESSED + 6 * DAY)
    assert world.kinds() == [ReminderKind.UNREAD]


def test_consent_revoked_between_runs_stops_the_reminders(world):
    world.citizen()
    world.deliver()
    world.run(PROCESSED + 3 * DAY)
    world.citizen(reminders=ReminderConsent.DISABLED)
    world.run(PROCESSED + 6 * DAY)
    assert len(world.push.sent) == 1


def test_a_citizen_who_blocked_the_service_gets_no_reminder(world):
    world.citizen(preference_mode=PreferenceMode.LEGACY, blocked_service_ids=frozenset({"premium"}))
    world.deliver()
    assert world.run(PROCESSED + 3 * DAY).sent == 0


def test_a_message_read_between_runs_is_not_reminded_again(world):
    world.citizen()
    message = world.deliver()
    world.run(PROCESSED + 3 * DAY)
    world.messages.replace(world.messages.get(FISCAL_CODE, message.id).read(PROCESSED + 4 * DAY))
    world.run(PROCESSED + 6 * DAY)
    assert len(world.push.sent) == 1
    assert world.schedule.all_entries() == []


def test_a_basic_services_message_is_never_reminded(world):
    world.citizen()
    world.deliver(service_id="basic")
    world.deliver(level=FeatureLevel.STANDARD)
    for day in range(1, 12):
        world.run(PROCESSED + day * DAY)
    assert world.push.sent == []


def test_a_service_downgraded_to_basic_stops_reminding(world):
    world.citizen()
    world.deliver()
    world.services.replace(a_service("premium", tier=Tier.BASIC))
    report = world.run(PROCESSED + 3 * DAY)
    assert (report.sent, report.dropped) == (0, 1)


# --- payments -------------------------------------------------------------------------------


def test_an_unpaid_notice_is_reminded_in_its_window_and_the_day_before(world):
    world.citizen()
    due = PROCESSED + 30 * DAY
    message = world.deliver(due=due, payment=True)
    world.messages.replace(message.read(PROCESSED))  # read at once: only payment reminders
    for hour in range(0, 31 * 24, 6):
        world.run(PROCESSED + timedelta(hours=hour))
    assert world.kinds() == [ReminderKind.PAYMENT] * 4 + [ReminderKind.DUE_TOMORROW]
    assert all(push.expires_at == due for push in world.push.sent)


def test_a_payment_between_runs_stops_the_payment_reminders(world):
    world.citizen()
    due = PROCESSED + 30 * DAY
    message = world.deliver(due=due, payment=True)
    world.messages.replace(message.read(PROCESSED))
    world.run(PROCESSED + DAY)  # the timer runs from the start
    world.run(due - 13 * DAY)
    world.payments.add(
        Payment.model_validate(
            {
                "id": f"{PAYEE}:{NOTICE}",
                "payee_fiscal_code": PAYEE,
                "notice_number": NOTICE,
                "paid_at": due - 12 * DAY,
                "recorded_at": due - 12 * DAY,
            }
        )
    )
    for day in (10, 7, 4, 1):
        world.run(due - day * DAY)
    assert world.kinds() == [ReminderKind.PAYMENT]


# --- when -----------------------------------------------------------------------------------


def test_a_reminder_due_in_quiet_hours_goes_out_when_they_end(world):
    world.citizen()
    late_evening = datetime(2026, 1, 12, 21, 30, tzinfo=UTC)  # 22:30 in Rome
    world.clock.current = late_evening
    world.deliver()
    assert world.run(late_evening + 3 * DAY).deferred == 1
    assert world.push.sent == []
    assert world.run(datetime(2026, 1, 16, 6, 59, tzinfo=UTC)).sent == 0  # 07:59 in Rome
    assert world.run(datetime(2026, 1, 16, 7, 0, tzinfo=UTC)).sent == 1  # 08:00


def test_one_push_per_citizen_per_run_the_rest_in_the_next_runs(world):
    world.citizen()
    for _ in range(3):
        world.deliver()
    assert world.run(PROCESSED + 3 * DAY).sent == 1
    assert world.run(PROCESSED + 3 * DAY + timedelta(minutes=15)).sent == 1
    assert world.run(PROCESSED + 3 * DAY + timedelta(minutes=30)).sent == 1
    assert len({push.message_id for push in world.push.sent}) == 3


def test_one_push_per_citizen_does_not_hold_back_other_citizens(world):
    world.citizen()
    world.citizen(OTHER_FISCAL_CODE)
    world.deliver()
    world.deliver(fiscal_code=OTHER_FISCAL_CODE)
    assert world.run(PROCESSED + 3 * DAY).sent == 2
    assert len({push.tag for push in world.push.sent}) == 2


def test_the_daily_cap_holds_back_the_fourth_push_until_the_next_day(world):
    world.citizen()
    for _ in range(4):
        world.deliver()
    day_3 = PROCESSED + 3 * DAY
    sent = [world.run(day_3 + timedelta(minutes=15 * index)).sent for index in range(5)]
    assert sent == [1, 1, 1, 0, 0]
    # The next day in Rome (quiet hours until 08:00), the held-back reminder goes out.
    assert world.run(datetime(2026, 1, 16, 7, 0, tzinfo=UTC)).sent == 1


# --- exactly once ---------------------------------------------------------------------------


def test_a_failed_push_is_retried_later_and_sent_once(world):
    world.citizen()
    message = world.deliver()
    world.push.fail_next(1, retryable=True)
    first = world.run(PROCESSED + 3 * DAY)
    assert (first.sent, first.failed) == (0, 1)
    assert world.claims.stored[claim_id(message.id, "UNREAD:1")].state is ClaimState.RETRY
    world.run(PROCESSED + 3 * DAY + timedelta(minutes=20))
    assert world.kinds() == [ReminderKind.UNREAD]
    assert world.claims.stored[claim_id(message.id, "UNREAD:1")].state is ClaimState.SENT


def test_a_push_that_keeps_failing_is_given_up_after_three_attempts(world):
    world.citizen()
    message = world.deliver()
    world.push.fail_next(3, retryable=True)
    for minutes in (0, 20, 40, 60, 80):
        world.run(PROCESSED + 3 * DAY + timedelta(minutes=minutes))
    assert world.push.sent == []
    assert world.claims.stored[claim_id(message.id, "UNREAD:1")].state is ClaimState.GAVE_UP
    # the next slot still goes out
    world.run(PROCESSED + 6 * DAY)
    assert world.kinds() == [ReminderKind.UNREAD]


def test_a_push_refused_for_good_is_not_retried(world):
    world.citizen()
    message = world.deliver()
    world.push.fail_next(1, retryable=False)
    world.run(PROCESSED + 3 * DAY)
    world.run(PROCESSED + 3 * DAY + timedelta(minutes=20))
    assert world.push.sent == []
    assert world.claims.stored[claim_id(message.id, "UNREAD:1")].state is ClaimState.GAVE_UP


def test_a_second_run_with_a_stale_view_sends_nothing_again(world):
    # GIVEN two runs that read the same due entry before either moved it
    world.citizen()
    world.deliver()
    world.clock.current = PROCESSED + 3 * DAY
    stale = world.schedule.entries(world.clock.now())
    world.run()
    # WHEN the second run handles its stale copy
    world.schedule.add(stale[0])
    world.run()
    # THEN the claim stops it
    assert len(world.push.sent) == 1


def test_the_push_speaks_the_citizens_language(world):
    world.citizen(preferred_languages=("de_DE", "it_IT"))
    world.deliver()
    world.run(PROCESSED + 3 * DAY)
    push = world.push.sent[0]
    assert (push.language, push.body) == ("de", "Sie haben eine ungelesene Nachricht")


# --- what a run reads -----------------------------------------------------------------------


def test_a_timer_that_did_not_run_for_days_still_finds_what_fell_due(world):
    world.citizen()
    world.deliver()
    # A timer that never ran before day 5 finds the day-3 reminder still.
    assert world.run(PROCESSED + 5 * DAY - timedelta(hours=1)).sent == 1


def test_a_bucket_left_empty_after_its_hour_is_never_read_again(world):
    # GIVEN twenty reminders due, all sent by a run after their hour
    for _ in range(20):
        fiscal_code = random_fiscal_code()
        world.citizen(fiscal_code)
        world.deliver(fiscal_code=fiscal_code)
    assert world.run(PROCESSED + 3 * DAY + timedelta(hours=1)).sent == 20
    # WHEN the next run comes
    reads_before = world.schedule.reads
    report = world.run(PROCESSED + 3 * DAY + timedelta(hours=1, minutes=15))
    # THEN it reads no bucket: the emptied ones were drained
    assert (world.schedule.reads - reads_before, report.partitions) == (0, 0)


# --- scheduling at delivery ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "scheduled"), [(FeatureLevel.ADVANCED, True), (FeatureLevel.STANDARD, False)]
)
def test_process_message_schedules_premium_messages_only(world, level, scheduled):
    world.citizen()
    accepted = Message.accepted(
        id="01JCZ0000000000000000000ZZ",
        fiscal_code=FISCAL_CODE,
        sender_service_id="premium",
        now=PROCESSED,
        time_to_live=3600,
        content=MessageContent(subject=SUBJECT, markdown=MARKDOWN),
        feature_level_type=level,
    )
    world.messages.add(accepted)
    process_message(
        MessageRef(message_id=accepted.id, fiscal_code=FISCAL_CODE),
        messages=world.messages,
        profiles=world.profiles,
        attachments=FakeAttachmentStore(),
        clock=world.clock,
        rejected_retention_seconds=3600,
        reminders=ReminderPlanner(schedule=world.schedule, policy=POLICY),
    )
    entries = world.schedule.all_entries()
    assert [entry.at for entry in entries] == ([PROCESSED + 3 * DAY] if scheduled else [])


def test_an_entry_that_fails_unexpectedly_is_put_off_and_does_not_stop_the_others(world):
    # GIVEN two citizens' due reminders, the first of which cannot be handled
    world.citizen()
    world.citizen(OTHER_FISCAL_CODE)
    broken = world.deliver()
    world.deliver(fiscal_code=OTHER_FISCAL_CODE)
    real_get = world.messages.get

    def get(fiscal_code, message_id):
        if message_id == broken.id:
            raise ValueError("a stored document the code cannot read")
        return real_get(fiscal_code, message_id)

    world.messages.get = get
    # WHEN a run goes over both
    report = world.run(PROCESSED + 3 * DAY)
    # THEN the other citizen got the reminder, and the broken entry waits an hour
    assert (report.sent, report.failed) == (1, 1)
    (waiting,) = world.schedule.all_entries_of(broken.id)
    assert waiting.at == PROCESSED + 3 * DAY + timedelta(hours=1)
