"""Timer entry point of ReminderTimer: one run of the Premium reminders."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.entrypoints.entry_point import entry_point
from shared.observability.log_context import note_status
from shared.services.send_reminders import send_reminders

logger = logging.getLogger(__name__)


@entry_point("ReminderTimer")
def reminder_timer_entry(timer: func.TimerRequest) -> None:
    if timer.past_due:
        logger.info("reminder run is late; it sends what fell due meanwhile")
    app = bootstrap.app()
    report = send_reminders(
        ports=app.reminder_ports(),
        policy=app.reminder_policy,
        hash_key=app.settings.citizen_hash_key,
    )
    note_status(f"{report.sent} sent")
