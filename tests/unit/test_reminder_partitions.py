"""Reminder runs fanned out: the timer queues one work item per open bucket, workers send a
partition's reminders side by side, and what must hold across them (exactly once, the daily
cap, one push per citizen per run, a dead worker's partition picked up again) holds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from shared.domain.errors import StorageUnavailableError
from shared.domain.reminder_schedule import PARTITION_LEASE, ReminderPartition
from tests.builders import FISCAL_CODE, random_fiscal_code
from tests.unit.reminder_world import DAY, PROCESSED, World

DUE = PROCESSED + 3 * DAY


@pytest.fixture
def world() -> World:
    return World()


def _spread_over_buckets(world: World, fiscal_code: str, count: int) -> None:
    """Due messages of one citizen, delivered until they sit in `count` buckets."""
    assert count <= world.schedule.shards
    while len(world.schedule.open_buckets(DUE)) < count:
        world.deliver(fiscal_code=fiscal_code)


def _all_at_once(world: World, partitions: list[ReminderPartition], concurrency: int = 1) -> None:
    """Work every partition in a thread of its own, all starting together."""
    start = threading.Barrier(len(partitions))

    def work(partition: ReminderPartition) -> None:
        start.wait()
        world.work_on(partition, concurrency)

    with ThreadPoolExecutor(max_workers=len(partitions)) as pool:
        for future in [pool.submit(work, partition) for partition in partitions]:
            future.result()


def _work_in_turn(world: World, partitions: list[ReminderPartition]) -> None:
    for partition in partitions:
        world.work_on(partition)


def test_the_timer_queues_one_partition_per_bucket_and_reads_no_entry(world):
    # GIVEN due reminders in every bucket of their hour
    for _ in range(12):
        citizen = random_fiscal_code()
        world.citizen(citizen)
        world.deliver(fiscal_code=citizen)
    # WHEN the timer runs
    queued = world.queue(DUE)
    # THEN it queued each bucket once, leased, and read no entry
    assert sorted(item.bucket for item in queued) == sorted(world.schedule.buckets)
    assert len(queued) == world.schedule.shards
    assert {item.run_at for item in queued} == {DUE}
    assert world.schedule.reads == 0
    assert world.push.sent == []


def test_a_partition_being_worked_is_not_queued_again_until_its_lease_ends(world):
    world.citizen()
    world.deliver()
    assert len(world.queue(DUE)) == 1
    assert world.queue(DUE + timedelta(minutes=5)) == []
    # Its worker died (the item was lost too): once the lease is out, the next run queues it.
    (again,) = world.queue(DUE + PARTITION_LEASE)
    world.work_on(again)
    assert len(world.push.sent) == 1


def test_a_finished_partition_is_queued_by_the_next_run_while_its_hour_lasts(world):
    world.citizen()
    world.deliver()
    (first,) = world.queue(DUE + timedelta(minutes=1))
    world.work_on(first)
    # Its hour is not over: what falls due later in it needs another run.
    assert len(world.queue(DUE + timedelta(minutes=16))) == 1


def test_a_bucket_drained_opens_again_when_an_entry_is_added(world):
    world.citizen()
    message = world.deliver()
    (first,) = world.queue(DUE + timedelta(hours=1))
    world.work_on(first)
    assert world.schedule.open_buckets(DUE + timedelta(hours=1)) == []
    (entry,) = world.schedule.all_entries_of(message.id)
    world.schedule.add(entry.moved(DUE + timedelta(minutes=5), frozenset()))
    assert [b.bucket for b in world.schedule.open_buckets(DUE + timedelta(hours=1))] == [
        first.bucket
    ]


def test_a_worker_that_dies_midway_leaves_the_rest_to_its_item_coming_back(world):
    # GIVEN five citizens' due reminders, and a worker whose storage goes at the third
    for _ in range(5):
        citizen = random_fiscal_code()
        world.citizen(citizen)
        world.deliver(fiscal_code=citizen)
    partitions = world.queue(DUE)
    real_count = world.counter.count_once
    calls = {"count": 0}

    def count_then_fail(key, ttl_seconds, *, token):
        calls["count"] += 1
        if calls["count"] == 3:  # the third push's count, never written
            raise StorageUnavailableError("storage went away")
        return real_count(key, ttl_seconds, token=token)

    world.counter.count_once = count_then_fail
    with pytest.raises(StorageUnavailableError):
        _work_in_turn(world, partitions)
    world.counter.count_once = real_count
    assert len(world.push.sent) == 2
    # WHEN the work items come back from the queue and are worked again
    world.clock.current = DUE + timedelta(minutes=1)
    for partition in partitions:
        world.work_on(partition)
    # THEN every citizen got exactly one reminder
    assert len(world.push.sent) == 5
    assert len({push.tag for push in world.push.sent}) == 5


def test_one_push_per_citizen_per_run_across_partitions_worked_at_once(world):
    # GIVEN one citizen's four due messages, in four buckets
    world.citizen()
    _spread_over_buckets(world, FISCAL_CODE, 4)
    partitions = world.queue(DUE)
    # WHEN four workers take them at the same moment
    _all_at_once(world, partitions)
    # THEN the citizen got one push of the run; the others are put off to the next runs
    assert len(world.push.sent) == 1
    world.clock.current = DUE + timedelta(minutes=15)
    _all_at_once(world, world.queue())
    assert len(world.push.sent) == 2


def test_the_daily_cap_holds_across_runs_worked_at_once(world):
    # GIVEN one citizen's due messages in four buckets, and four runs' partitions (a
    # backlog: each run queued its own, none worked yet)
    world.citizen()
    _spread_over_buckets(world, FISCAL_CODE, 4)
    buckets = world.schedule.open_buckets(DUE)
    partitions = [
        ReminderPartition(bucket=b.bucket, hour=b.hour, run_at=DUE + timedelta(minutes=index))
        for index, b in enumerate(buckets)
    ]
    world.clock.current = DUE + timedelta(minutes=10)
    # WHEN all are worked at once
    _all_at_once(world, partitions)
    # THEN the cap of 3 a day held
    assert len(world.push.sent) == 3


def test_the_same_partition_worked_twice_at_once_sends_each_reminder_once(world):
    # GIVEN a partition queued by two runs (a lease that ran out while it was worked)
    citizens = [random_fiscal_code() for _ in range(30)]
    for citizen in citizens:
        world.citizen(citizen)
        world.deliver(fiscal_code=citizen)
    partitions = world.queue(DUE)
    # WHEN two workers take each of them, eight reminders at a time each
    _all_at_once(world, partitions + partitions, concurrency=8)
    # THEN each citizen got exactly one
    assert len(world.push.sent) == 30
    assert len({push.tag for push in world.push.sent}) == 30


def test_entries_worked_eight_at_a_time_give_what_one_at_a_time_gives():
    # 25 citizens, 15 of them with a second message: one push each per run.
    citizens = [random_fiscal_code() for _ in range(25)]

    def run(concurrency: int) -> tuple[int, int, int]:
        world = World()
        for citizen in citizens:
            world.citizen(citizen)
        for index in range(40):
            world.deliver(fiscal_code=citizens[index % 25])
        reports = [world.work_on(partition, concurrency) for partition in world.queue(DUE)]
        return (
            sum(report.looked_at for report in reports),
            sum(report.sent for report in reports),
            sum(report.deferred for report in reports),
        )

    assert run(8) == run(1) == (40, 25, 15)
