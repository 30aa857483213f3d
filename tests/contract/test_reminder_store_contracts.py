"""The reminder schedule and the slot claims behave alike, fake and Cosmos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.reminder_schedule import (
    CLAIM_LEASE,
    MAX_PUSH_ATTEMPTS,
    ClaimState,
    ScheduleEntry,
    SlotBusy,
    SlotClaim,
)
from tests.contract.schedule_hours import entries_of_hour

pytestmark = pytest.mark.emulators

HOUR = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _entry(message_id: str, at: datetime, done: tuple[str, ...] = ()) -> ScheduleEntry:
    return ScheduleEntry(message_id=message_id, fiscal_code="RSSMRA80A01H501U", at=at, done=done)


# --- the schedule ----------------------------------------------------------------------------


def test_entries_are_found_in_the_hour_of_their_time_only(reminder_schedule):
    first = _entry("01JA000000000000000000000A", HOUR + timedelta(minutes=5))
    second = _entry("01JA000000000000000000000B", HOUR + timedelta(minutes=59))
    later = _entry("01JA000000000000000000000C", HOUR + timedelta(hours=1))
    for entry in (first, second, later):
        reminder_schedule.add(entry)
    assert entries_of_hour(reminder_schedule, HOUR) == [first, second]
    assert entries_of_hour(reminder_schedule, HOUR + timedelta(hours=1)) == [later]
    assert entries_of_hour(reminder_schedule, HOUR - timedelta(hours=1)) == []


def test_adding_again_replaces_the_messages_entry_in_that_hour(reminder_schedule):
    entry = _entry("01JA000000000000000000000A", HOUR)
    reminder_schedule.add(entry)
    reminder_schedule.add(entry.moved(HOUR + timedelta(minutes=30), frozenset({"UNREAD:1"})))
    (found,) = entries_of_hour(reminder_schedule, HOUR)
    assert (found.at, found.done) == (HOUR + timedelta(minutes=30), ("UNREAD:1",))


def test_moving_takes_the_entry_out_of_its_old_hour(reminder_schedule):
    entry = _entry("01JA000000000000000000000A", HOUR)
    reminder_schedule.add(entry)
    moved = entry.moved(HOUR + timedelta(days=3), frozenset({"UNREAD:1"}))
    reminder_schedule.move(entry, moved)
    assert entries_of_hour(reminder_schedule, HOUR) == []
    assert entries_of_hour(reminder_schedule, HOUR + timedelta(days=3)) == [moved]


def test_moving_to_nothing_removes_it_and_twice_is_harmless(reminder_schedule):
    entry = _entry("01JA000000000000000000000A", HOUR)
    reminder_schedule.add(entry)
    reminder_schedule.move(entry, None)
    reminder_schedule.move(entry, None)
    assert entries_of_hour(reminder_schedule, HOUR) == []


def test_moving_an_entry_never_stored_is_harmless(reminder_schedule):
    ghost = _entry("01JA000000000000000000000Z", HOUR + timedelta(days=40))
    reminder_schedule.move(ghost, None)
    assert entries_of_hour(reminder_schedule, ghost.at) == []


def test_open_buckets_are_those_of_hours_up_to_now_and_their_entries_know_them(
    reminder_schedule,
):
    early = _entry("01JA000000000000000000000A", HOUR + timedelta(minutes=5))
    later = _entry("01JA000000000000000000000C", HOUR + timedelta(hours=1))
    for entry in (early, later):
        reminder_schedule.add(entry)
    (bucket,) = reminder_schedule.open_buckets(HOUR + timedelta(minutes=59))
    assert (bucket.hour, bucket.queued_until) == (HOUR, None)
    (found,) = reminder_schedule.bucket_entries(bucket.bucket)
    assert (found.message_id, found.bucket) == (early.message_id, bucket.bucket)
    assert len(reminder_schedule.open_buckets(HOUR + timedelta(hours=1))) == 2
    assert reminder_schedule.bucket_entries("20260504T07-00") == []


def test_a_lease_shows_until_the_partition_is_finished(reminder_schedule):
    reminder_schedule.add(_entry("01JA000000000000000000000A", HOUR))
    (bucket,) = reminder_schedule.open_buckets(HOUR)
    reminder_schedule.mark_queued(bucket.bucket, HOUR + timedelta(minutes=10))
    (leased,) = reminder_schedule.open_buckets(HOUR)
    assert leased.queued_until == HOUR + timedelta(minutes=10)
    reminder_schedule.finish(bucket.bucket, hour_over=False)
    (finished,) = reminder_schedule.open_buckets(HOUR)
    assert finished.queued_until is None


def test_an_emptied_bucket_is_drained_once_its_hour_is_over_and_opened_by_an_add(
    reminder_schedule,
):
    entry = _entry("01JA000000000000000000000A", HOUR)
    reminder_schedule.add(entry)
    (bucket,) = reminder_schedule.open_buckets(HOUR)
    (read,) = reminder_schedule.bucket_entries(bucket.bucket)
    reminder_schedule.move(read, None)
    reminder_schedule.finish(bucket.bucket, hour_over=False)
    assert len(reminder_schedule.open_buckets(HOUR)) == 1  # its hour may still get entries
    reminder_schedule.finish(bucket.bucket, hour_over=True)
    assert reminder_schedule.open_buckets(HOUR + timedelta(days=1)) == []
    reminder_schedule.add(entry)
    assert [b.bucket for b in reminder_schedule.open_buckets(HOUR)] == [bucket.bucket]


def test_a_bucket_still_holding_entries_is_not_drained(reminder_schedule):
    reminder_schedule.add(_entry("01JA000000000000000000000A", HOUR))
    (bucket,) = reminder_schedule.open_buckets(HOUR)
    reminder_schedule.finish(bucket.bucket, hour_over=True)
    assert len(reminder_schedule.open_buckets(HOUR)) == 1


def test_leasing_or_finishing_a_bucket_gone_is_harmless(reminder_schedule):
    reminder_schedule.mark_queued("20260504T07-00", HOUR)
    reminder_schedule.finish("20260504T07-00", hour_over=True)
    assert reminder_schedule.open_buckets(HOUR) == []


# --- the claims ------------------------------------------------------------------------------


def test_a_slot_is_claimed_once(reminder_claims):
    now = HOUR
    claim = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", now)
    assert isinstance(claim, SlotClaim)
    assert (claim.state, claim.attempts) == (ClaimState.CLAIMED, 1)
    again = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", now)
    assert again == SlotBusy(until=now + CLAIM_LEASE)
    assert isinstance(
        reminder_claims.claim("01JA000000000000000000000A", "UNREAD:2", now), SlotClaim
    )


def test_a_claim_left_claimed_past_its_lease_is_taken_over_once(reminder_claims):
    # GIVEN a claim whose run never settled it
    reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", HOUR)
    # WHEN other runs ask for it after the lease
    later = HOUR + CLAIM_LEASE
    taken = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", later)
    second = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", later)
    # THEN the first takes it over, as a new attempt; the second finds it busy again
    assert isinstance(taken, SlotClaim)
    assert (taken.state, taken.attempts, taken.claimed_at) == (ClaimState.CLAIMED, 2, later)
    assert second == SlotBusy(until=later + CLAIM_LEASE)


def test_a_claim_is_not_taken_over_past_its_last_attempt(reminder_claims):
    claim = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", HOUR)
    at = HOUR
    for _ in range(1, MAX_PUSH_ATTEMPTS):
        at += CLAIM_LEASE
        claim = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", at)
        assert isinstance(claim, SlotClaim)
    assert claim.attempts == MAX_PUSH_ATTEMPTS
    # busy while its run may still send it; given up once that run is gone
    assert isinstance(reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", at), SlotBusy)
    assert reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", at + CLAIM_LEASE) is None


@pytest.mark.parametrize("state", [ClaimState.SENT, ClaimState.GAVE_UP])
def test_a_settled_slot_is_never_claimed_again(reminder_claims, state):
    claim = reminder_claims.claim("01JA000000000000000000000A", "PAYMENT:1", HOUR)
    reminder_claims.settle(claim, state)
    assert reminder_claims.claim("01JA000000000000000000000A", "PAYMENT:1", HOUR) is None


def test_a_slot_left_to_retry_is_taken_over_a_bounded_number_of_times(reminder_claims):
    claim = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", HOUR)
    for attempt in range(2, MAX_PUSH_ATTEMPTS + 1):
        reminder_claims.settle(claim, ClaimState.RETRY)
        claim = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", HOUR)
        assert isinstance(claim, SlotClaim)
        assert claim.attempts == attempt
        # only one taker
        assert isinstance(
            reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", HOUR), SlotBusy
        )
    reminder_claims.settle(claim, ClaimState.RETRY)
    assert reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", HOUR) is None


def test_a_released_slot_can_be_claimed_again_without_counting_an_attempt(reminder_claims):
    claim = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", HOUR)
    reminder_claims.release(claim)
    again = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", HOUR)
    assert again is not None
    assert again.attempts == 1
    reminder_claims.settle(again, ClaimState.RETRY)
    taken = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", HOUR)
    reminder_claims.release(taken)
    after = reminder_claims.claim("01JA000000000000000000000A", "UNREAD:1", HOUR)
    assert after is not None
    assert after.attempts == 2
