"""Reminder runs whose writes fail, or whose run dies, between claiming a slot and settling
it: the reminder still goes out, late rather than never, and a run that is still at it is
never doubled."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shared.config import HOST_JSON
from shared.domain.errors import StorageUnavailableError
from shared.domain.push import ReminderKind
from shared.domain.reminder_schedule import CLAIM_LEASE, ClaimState, SlotClaim, claim_id
from tests.port_faults import REFUSED, FaultyPort
from tests.unit.reminder_world import DAY, PROCESSED, World

DUE = PROCESSED + 3 * DAY
SLOT = "UNREAD:1"


@pytest.fixture
def world() -> World:
    return World()


def test_a_slot_claimed_by_a_run_that_died_before_its_push_goes_out_after_the_lease(world):
    # GIVEN a run that claimed the day-3 reminder and died before sending it
    world.citizen()
    message = world.deliver()
    assert isinstance(world.claims.claim(message.id, SLOT, DUE), SlotClaim)
    # WHEN the next runs come, the first while the dead run's lease lasts
    during = world.run(DUE + timedelta(minutes=5))
    after = world.run(DUE + CLAIM_LEASE + timedelta(minutes=1))
    # THEN the first leaves it (that run might still be sending), the next sends it, once
    assert (during.sent, during.deferred) == (0, 1)
    assert after.sent == 1
    assert world.kinds() == [ReminderKind.UNREAD]
    stored = world.claims.stored[claim_id(message.id, SLOT)]
    assert (stored.state, stored.attempts) == (ClaimState.SENT, 2)
    world.run(DUE + 2 * CLAIM_LEASE)
    assert len(world.push.sent) == 1


def test_a_run_that_meets_a_live_claim_does_not_count_the_slot_done(world):
    # GIVEN a run holding the claim right now
    world.citizen()
    message = world.deliver()
    world.claims.claim(message.id, SLOT, DUE)
    # WHEN another run meets the same entry
    world.run(DUE + timedelta(minutes=1))
    # THEN its entry waits for the end of the lease, with the slot still open
    (entry,) = world.schedule.all_entries_of(message.id)
    assert entry.at == DUE + CLAIM_LEASE
    assert SLOT not in entry.done


def test_a_daily_counter_that_cannot_be_written_gives_the_slot_back_unspent(world):
    # GIVEN a due reminder and a daily counter that cannot be written once
    world.citizen()
    message = world.deliver()
    world.counter = FaultyPort(world.counter, "count_once", [REFUSED])
    # WHEN a run meets it
    with pytest.raises(StorageUnavailableError):
        world.run(DUE)
    # THEN the claim is given back, and the next run sends the reminder at its first attempt
    assert claim_id(message.id, SLOT) not in world.claims.stored
    assert world.run(DUE + timedelta(minutes=15)).sent == 1
    assert world.claims.stored[claim_id(message.id, SLOT)].attempts == 1


def test_a_push_whose_claim_could_not_be_settled_goes_out_again_once_after_the_lease(world):
    # GIVEN a push handed over, and storage gone before its claim says SENT
    world.citizen()
    message = world.deliver()
    world.claims = FaultyPort(world.claims, "settle", [REFUSED])
    with pytest.raises(StorageUnavailableError):
        world.run(DUE)
    # WHEN runs go on, within the lease and after it
    world.run(DUE + timedelta(minutes=5))
    world.run(DUE + CLAIM_LEASE + timedelta(minutes=1))
    world.run(DUE + 2 * CLAIM_LEASE)
    # THEN the reminder went out a second time (not a third), with the same collapse key,
    # so the citizen's device shows one notification
    assert [push.collapse_key for push in world.push.sent] == [message.id, message.id]
    assert world.claims.stored[claim_id(message.id, SLOT)].state is ClaimState.SENT


def test_the_claim_lease_outlasts_any_run():
    # A run lives at most the host's functionTimeout: a claim older than the lease has no
    # live run behind it, so taking it over never races the run that made it.
    settings = json.loads(HOST_JSON.read_text(encoding="utf-8"))
    hours, minutes, seconds = (int(part) for part in settings["functionTimeout"].split(":"))
    function_timeout = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    assert 2 * function_timeout <= CLAIM_LEASE
