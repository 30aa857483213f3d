"""GET / PATCH /api/v1/citizen/messages/{id}: open the header citizen's message, mark it read."""

import azure.functions as func

from shared.entrypoints.citizen_messages import citizen_message_entry


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return citizen_message_entry(req, context)
