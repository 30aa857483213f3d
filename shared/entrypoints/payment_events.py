"""HTTP entry point of PaymentEvents: POST /api/v1/payments, from the payment platform:
payments of notices and their reversals."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.domain.consumers import Consumer
from shared.entrypoints.institution_api import json_body
from shared.entrypoints.internal_api import admit
from shared.entrypoints.invocations import invoked
from shared.http import handle, json_response
from shared.services.paid_events import tell_paid
from shared.services.record_payment import record_payment


def _record(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    admit(req, Consumer.PAYMENT_PLATFORM, app.settings.internal_api)
    recorded = record_payment(json_body(req), payments=app.payments, clock=app.clock)
    # A repeat tells too: the first attempt may have died before telling everyone.
    tell_paid(recorded.payment, outbox=app.event_outbox(), messages=app.messages, clock=app.clock)
    # A payment never reversed answers as it always did: `reversed_at` and
    # `reversed_payments` appear once there is a reversal to tell.
    body = recorded.payment.model_dump(mode="json", exclude={"id"}, exclude_defaults=True)
    return json_response(body, status=201 if recorded.created else 200, request_id=request_id)


def handle_payment_event(
    req: func.HttpRequest, context: func.Context | None = None
) -> func.HttpResponse:
    with invoked("PaymentEvents", context):
        return handle(req, _record)
