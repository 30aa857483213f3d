"""A payment reversal on Cosmos DB when the reply to its write is lost for real: the
platform gets a 503 (StorageUnavailableError), its retry finds the reversal done and
changes nothing, and a late repeat of the reversed payment's report cannot undo it."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from shared.adapters.cosmos_payments import CosmosPaymentRepository
from shared.domain.errors import StorageUnavailableError
from shared.domain.payment import NoticeStatus
from shared.services.record_payment import record_payment
from shared.storage_layout import ContainerName
from tests.builders import payment_event
from tests.fakes import FakeClock
from tests.faultinjection import FaultyTransport, cosmos_container, cosmos_write

pytestmark = pytest.mark.emulators

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PAYEE = "01234567890"


def test_a_reversal_whose_reply_was_lost_is_recorded_once_and_stays(local_stack):
    # GIVEN a recorded payment, and a reversal whose replace lands with its reply lost
    faults = FaultyTransport()
    container = cosmos_container(local_stack.settings, ContainerName.PAYMENTS, transport=faults)
    payments = CosmosPaymentRepository(container)
    notice = "3" + "".join(random.choices("0123456789", k=17))
    payment = {
        "payee_fiscal_code": PAYEE,
        "notice_number": notice,
        "paid_at": "2026-11-22T10:00:00Z",
    }
    reversal = {**payment, "type": "REVERSAL", "reversed_at": "2026-11-22T11:00:00Z"}
    clock = FakeClock(NOW)
    assert record_payment(
        payment_event(json.dumps(payment).encode()), payments=payments, clock=clock
    ).created
    faults.lose_reply(cosmos_write(ContainerName.PAYMENTS, "PUT"))
    with pytest.raises(StorageUnavailableError):
        record_payment(payment_event(json.dumps(reversal).encode()), payments=payments, clock=clock)
    assert len(faults.faulted) == 1
    # WHEN the platform retries the reversal, and its first report of the payment comes late
    retried = record_payment(
        payment_event(json.dumps(reversal).encode()), payments=payments, clock=clock
    )
    late = record_payment(
        payment_event(json.dumps(payment).encode()), payments=payments, clock=clock
    )
    # THEN both are repeats: the payment is reversed once, and the notice is not paid
    assert (retried.created, late.created) == (False, False)
    stored = payments.get(PAYEE, notice)
    assert stored is not None
    assert stored.reversed_at == datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    assert stored.reversed_payments == ()
    assert not NoticeStatus.of(stored).is_paid
