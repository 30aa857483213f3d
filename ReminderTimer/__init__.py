"""Timer trigger: Premium reminder pushes (schedule from the REMINDER_SCHEDULE setting)."""

import azure.functions as func

from shared.entrypoints.reminder_timer import reminder_timer_entry


def main(timer: func.TimerRequest, context: func.Context) -> None:
    reminder_timer_entry(timer, context)
