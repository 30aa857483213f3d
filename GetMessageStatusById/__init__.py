"""GET /api/v1/messages/{id}: the sending service reads a message's status by its id alone,
with no fiscal code in the URL."""

import azure.functions as func

from shared.entrypoints.get_message_status import get_message_status_by_id_entry


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return get_message_status_by_id_entry(req, context)
