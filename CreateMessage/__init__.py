"""POST /api/v1/messages[/{fiscal_code}]: a service sends a message to a citizen."""

import azure.functions as func

from shared.entrypoints.create_message import create_message_entry


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return create_message_entry(req, context)
