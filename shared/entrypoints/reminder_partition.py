"""Queue entry point of ReminderPartition: one partition (schedule bucket) of a reminder run
per queue message."""

from __future__ import annotations

import logging

import azure.functions as func
from pydantic import ValidationError

from shared import bootstrap
from shared.domain.reminder_schedule import ReminderPartition
from shared.entrypoints.entry_point import entry_point
from shared.observability.log_context import note_status
from shared.services.send_reminders import send_partition_reminders

logger = logging.getLogger(__name__)


@entry_point("ReminderPartition")
def reminder_partition_entry(msg: func.QueueMessage) -> None:
    """Send the partition's due reminders; raise so the host retries a storage failure (the
    reminders sent stay sent: their claims make the retry skip them)."""
    try:
        partition = ReminderPartition.model_validate_json(msg.get_body())
    except ValidationError:
        # Only ReminderTimer writes here: nothing to retry, and nothing lost (the bucket's
        # lease runs out and the next run queues it again).
        logger.error("queue message %s is not a reminder partition; dropped", msg.id)
        note_status("dropped")
        return
    app = bootstrap.app()
    report = send_partition_reminders(
        partition,
        ports=app.reminder_ports(),
        policy=app.reminder_policy,
        hash_key=app.settings.citizen_hash_key,
        concurrency=app.settings.reminder_partition_concurrency,
    )
    note_status(f"{report.sent} sent")
