"""GET /api/v1/citizen/messages: the inbox of the citizen in the Citizen-Fiscal-Code header."""

import azure.functions as func

from shared.entrypoints.citizen_messages import handle_citizen_inbox


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return handle_citizen_inbox(req, context)
