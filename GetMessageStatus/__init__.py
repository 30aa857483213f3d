"""GET /api/v1/messages/{fiscal_code}/{id}: the sending service reads a message's status."""

import azure.functions as func

from shared.entrypoints.get_message_status import get_message_status_entry


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return get_message_status_entry(req, context)
