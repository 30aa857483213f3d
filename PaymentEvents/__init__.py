"""POST /api/v1/payments: the payment platform reports that a notice was paid."""

import azure.functions as func

from shared.entrypoints.payment_events import payment_events_entry


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return payment_events_entry(req, context)
