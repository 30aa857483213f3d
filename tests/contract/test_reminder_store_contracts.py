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
    assert sorted(reminder_schedule.entries(HOUR), key=lambda e: e.message_id) == [first, second]
    assert reminder_schedule.entries(HOUR + timedelta(hours=1)) == [later]
    assert reminder_schedule.entries(HOUR - timedelta(hours=1)) == []


def test_adding_again_replaces_the_messages_entry_in_that_hour(reminder_schedule):
    entry = _entry("01JA000000000000000000000A", HOUR)
    reminder_schedule.add(entry)
    reminder_schedule.add(entry.moved(HOUR + timedelta(minutes=30), frozenset({"UNREAD:1"})))
    (found,) = reminder_schedule.entries(HOUR)
    assert (found.at, found.done) == (HOUR + timedelta(minutes=30), ("UNREAD:1",))


def test_moving_takes_the_entry_out_of_its_old_hour(reminder_schedule):
    entry = _entry("01JA000000000000000000000A", HOUR)
    reminder_schedule.add(entry)
    moved = entry.moved(HOUR + timedelta(days=3), frozenset({"UNREAD:1"}))
    reminder_schedule.move(entry, moved)
    assert reminder_schedule.entries(HOUR) == []
    assert reminder_schedule.entries(HOUR + timedelta(days=3)) == [moved]


def test_moving_to_nothing_removes_it_and_twice_is_harmless(reminder_schedule):
    entry = _entry("01JA000000000000000000000A", HOUR)
    reminder_schedule.add(entry)
    reminder_schedule.move(entry, None)
    reminder_schedule.move(entry, None)
    assert reminder_schedule.entries(HOUR) == []


def test_moving_an_entry_never_stored_is_harmless(reminder_schedule):
    ghost = _entry("01JA000000000000000000000Z", HOUR + timedelta(days=40))
    reminder_schedule.move(ghost, None)
    assert reminder_schedule.entries(ghost.at) == []


def test_the_cursor_is_absent_until_set(reminder_schedule):
    assert reminder_schedule.cursor() is None
    reminder_schedule.set_cursor(HOUR + timedelta(minutes=42))
    assert reminder_schedule.cursor() == HOUR


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
