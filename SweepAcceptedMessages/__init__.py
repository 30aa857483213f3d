"""Timer trigger: re-enqueue messages still ACCEPTED after the grace period."""

import azure.functions as func

from shared.entrypoints.sweep_accepted import handle_sweep


def main(timer: func.TimerRequest, context: func.Context) -> None:
    handle_sweep(timer, context)
