"""Timer trigger: re-enqueue messages still ACCEPTED after the grace period."""

import azure.functions as func

from shared.entrypoints.sweep_accepted import sweep_accepted_messages_entry


def main(timer: func.TimerRequest, context: func.Context) -> None:
    sweep_accepted_messages_entry(timer, context)
