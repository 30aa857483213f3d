"""GET /api/v1/citizens/{fiscal_code}/messages: the citizen's inbox, newest first, paged."""

import azure.functions as func

from shared.entrypoints.citizen_messages import handle_citizen_inbox


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return handle_citizen_inbox(req, context)
