"""Who waits to hear that a notice was paid: each ADVANCED message of a Premium service with
a callback that carries the notice, when the service may know the notice's payments.

A payment is recorded by notice (payee and notice number), a message by citizen: the watch
links the two, keyed by the notice's payment id, so that recording a payment finds the
messages whose senders are to be called back with `message.paid`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class NoticeWatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    # The message's id (one watch per message).
    id: str
    # shared.domain.payment.payment_id of the notice.
    payment_id: str
    fiscal_code: str
    service_id: str
