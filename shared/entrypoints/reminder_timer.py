"""Timer entry point of ReminderTimer: one run of the Premium reminders, fanned out (it only
queues a work item per open partition of the schedule; ReminderPartition sends them)."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.entrypoints.entry_point import entry_point
from shared.observability.log_context import note_status
from shared.services.send_reminders import queue_reminder_partitions

logger = logging.getLogger(__name__)


@entry_point("ReminderTimer")
def reminder_timer_entry(timer: func.TimerRequest) -> None:
    if timer.past_due:
        logger.info("reminder run is late; it queues what fell due meanwhile")
    app = bootstrap.app()
    queued = queue_reminder_partitions(
        schedule=app.schedule, work=app.reminder_work, clock=app.clock
    )
    note_status(f"{len(queued)} partitions queued")
