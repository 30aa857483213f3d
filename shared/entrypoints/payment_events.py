"""HTTP entry point of PaymentEvents: POST /api/v1/payments, from the payment platform:
payments of notices and their reversals."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.domain.consumers import Consumer
from shared.domain.payment import PaymentEvent
from shared.entrypoints.entry_point import entry_point
from shared.entrypoints.internal_api import admit
from shared.http import json_model, json_response
from shared.services.paid_events import tell_paid
from shared.services.record_payment import record_payment


@entry_point("PaymentEvents")
def payment_events_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    admit(req, Consumer.PAYMENT_PLATFORM, app.settings.internal_api)
    recorded = record_payment(json_model(req, PaymentEvent), payments=app.payments, clock=app.clock)
    # A repeat tells too: the first attempt may have died before telling everyone.
    tell_paid(recorded.payment, outbox=app.event_outbox(), messages=app.messages, clock=app.clock)
    # A payment never reversed answers as it always did: `reversed_at` and
    # `reversed_payments` appear once there is a reversal to tell.
    body = recorded.payment.model_dump(mode="json", exclude={"id"}, exclude_defaults=True)
    return json_response(body, status=201 if recorded.created else 200, request_id=request_id)
