"""Queue trigger: send the due reminders of one partition of the reminder schedule."""

import azure.functions as func

from shared.entrypoints.reminder_partition import reminder_partition_entry


def main(msg: func.QueueMessage, context: func.Context) -> None:
    reminder_partition_entry(msg, context)
