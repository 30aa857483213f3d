"""A reminder run fanned out in this process, as the timer and the partition workers make it
on Azure: ReminderTimer's queue_reminder_partitions (its work items kept in a list rather
than a queue), then `workers` threads taking the partitions, each working one with
send_partition_reminders at `concurrency` (REMINDER_PARTITION_CONCURRENCY)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench.reminder_scenario import HASH_KEY, POLICY
from shared.domain.reminder_schedule import ReminderPartition
from shared.services.send_reminders import (
    ReminderPorts,
    ReminderReport,
    queue_reminder_partitions,
    send_partition_reminders,
)


@dataclass
class ListedWork:
    """The partitions queue, as a list."""

    items: list[ReminderPartition] = field(default_factory=list)

    def send(self, partition: ReminderPartition) -> None:
        self.items.append(partition)


@dataclass(frozen=True)
class FannedOut:
    report: ReminderReport
    partitions: int
    # Due reminders per partition, largest first.
    sizes: tuple[int, ...]


def fanned_out_run(ports: ReminderPorts, *, workers: int, concurrency: int) -> FannedOut:
    work = ListedWork()
    queue_reminder_partitions(schedule=ports.schedule, work=work, clock=ports.clock)

    def one(partition: ReminderPartition) -> ReminderReport:
        return send_partition_reminders(
            partition, ports=ports, policy=POLICY, hash_key=HASH_KEY, concurrency=concurrency
        )

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="partition") as pool:
        reports = list(pool.map(one, work.items))
    total = ReminderReport()
    for report in reports:
        total.add(report)
    sizes = tuple(sorted((report.looked_at for report in reports), reverse=True))
    return FannedOut(report=total, partitions=len(work.items), sizes=sizes)
