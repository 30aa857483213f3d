"""Timer entry point of ReminderTimer: one run of the Premium reminders."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.entrypoints.invocations import invoked
from shared.observability.log_context import note_status
from shared.services.send_reminders import send_reminders

logger = logging.getLogger(__name__)


def handle_reminder_timer(timer: func.TimerRequest, context: func.Context | None = None) -> None:
    with invoked("ReminderTimer", context):
        if timer.past_due:
            logger.info("reminder run is late; it sends what fell due meanwhile")
        app = bootstrap.app()
        report = send_reminders(
            ports=app.reminder_ports(),
            policy=app.reminder_policy,
            hash_key=app.settings.citizen_hash_key,
        )
        note_status(f"{report.sent} sent")
