"""GET /api/v1/messages: the calling service lists the messages it sent."""

import azure.functions as func

from shared.entrypoints.list_messages import handle_list_messages


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return handle_list_messages(req, context)
