"""GET /api/v1/citizen/messages: the inbox of the citizen in the Citizen-Fiscal-Code header."""

import azure.functions as func

from shared.entrypoints.citizen_messages import citizen_inbox_entry


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return citizen_inbox_entry(req, context)
