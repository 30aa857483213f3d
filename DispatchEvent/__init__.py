"""Queue trigger: deliver one event of a message's outbox (a push, a status callback)."""

import azure.functions as func

from shared.entrypoints.dispatch_event import dispatch_event_entry


def main(msg: func.QueueMessage, context: func.Context) -> None:
    dispatch_event_entry(msg, context)
