"""Queue trigger: deliver an accepted message to the citizen's inbox, or reject it."""

import azure.functions as func

from shared.entrypoints.process_message import handle_process_message


def main(msg: func.QueueMessage, context: func.Context) -> None:
    handle_process_message(msg, context)
