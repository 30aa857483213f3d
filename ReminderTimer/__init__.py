"""Timer trigger: Premium reminder pushes (schedule from the REMINDER_SCHEDULE setting)."""

import azure.functions as func

from shared.entrypoints.reminder_timer import handle_reminder_timer


def main(timer: func.TimerRequest, context: func.Context) -> None:
    handle_reminder_timer(timer, context)
