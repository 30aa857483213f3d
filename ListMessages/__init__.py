"""GET /api/v1/messages: the calling service lists the messages it sent."""

import azure.functions as func

from shared.entrypoints.list_messages import list_messages_entry


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return list_messages_entry(req, context)
