"""Queue trigger: deliver one event of a message's outbox (a push, a status callback)."""

import azure.functions as func

from shared.entrypoints.dispatch_event import handle_dispatch_event


def main(msg: func.QueueMessage, context: func.Context) -> None:
    handle_dispatch_event(msg, context)
