"""GET /api/v1/messages/{fiscal_code}/{id}: the sending service reads a message's status."""

import azure.functions as func

from shared.entrypoints.get_message_status import handle_get_message_status


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return handle_get_message_status(req, context)
