"""POST /api/v1/payments: the payment platform reports that a notice was paid."""

import azure.functions as func

from shared.entrypoints.payment_events import handle_payment_event


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return handle_payment_event(req, context)
