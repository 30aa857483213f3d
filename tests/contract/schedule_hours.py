"""What the reminder schedule holds for one hour, read through its port."""

from __future__ import annotations

from datetime import datetime

from shared.domain.reminder_schedule import ScheduleEntry, bucket_hour
from shared.services.ports import ReminderSchedule


def entries_of_hour(schedule: ReminderSchedule, hour: datetime) -> list[ScheduleEntry]:
    """The entries of `hour`'s open buckets, as stored (without the bucket read from)."""
    return sorted(
        (
            entry.model_copy(update={"bucket": None})
            for bucket in schedule.open_buckets(hour)
            if bucket.hour == bucket_hour(hour)
            for entry in schedule.bucket_entries(bucket.bucket)
        ),
        key=lambda entry: entry.message_id,
    )
