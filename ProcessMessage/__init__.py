"""Queue trigger: deliver an accepted message to the citizen's inbox, or reject it."""

import azure.functions as func

from shared.entrypoints.process_message import process_message_entry


def main(msg: func.QueueMessage, context: func.Context) -> None:
    process_message_entry(msg, context)
