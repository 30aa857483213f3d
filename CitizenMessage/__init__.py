"""GET / PATCH /api/v1/citizen/messages/{id}: open the header citizen's message, mark it read."""

import azure.functions as func

from shared.entrypoints.citizen_messages import handle_citizen_message


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return handle_citizen_message(req, context)
