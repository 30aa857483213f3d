"""The citizen API's and the payment platform's writes on Cosmos DB when their replies are
lost for real: the caller gets a 503 (StorageUnavailableError), its retry finds the write
done and changes nothing. These writes need no fix; the tests pin what
docs/reliability-writes.md says of them."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.cosmos_messages import CosmosMessageRepository
from shared.adapters.cosmos_payments import CosmosPaymentRepository
from shared.adapters.cosmos_profiles import CosmosProfileRepository
from shared.bootstrap import build_app
from shared.domain.errors import StorageUnavailableError
from shared.domain.message import MessageStatus
from shared.domain.message_id import new_message_id
from shared.domain.profile import PreferenceMode
from shared.domain.profile_update import ProfileUpdate
from shared.services.citizen_message import OpenedMessage, open_message
from shared.services.citizen_profile import put_citizen_profile
from shared.services.record_payment import record_payment
from shared.storage_layout import ContainerName
from tests.builders import a_message, payment_event, random_fiscal_code
from tests.fakes import FakeClock
from tests.faultinjection import FaultyTransport, cosmos_container, cosmos_write

pytestmark = pytest.mark.emulators

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_a_payment_whose_reply_was_lost_is_recorded_once_and_the_retry_gets_it_back(
    local_stack,
):
    # GIVEN the payment platform reports a payment and the reply to its write is lost
    faults = FaultyTransport()
    container = cosmos_container(local_stack.settings, ContainerName.PAYMENTS, transport=faults)
    payments = CosmosPaymentRepository(container)
    notice = "3" + "".join(random.choices("0123456789", k=17))
    event = {"payee_fiscal_code": "01234567890", "notice_number": notice}
    first = json.dumps({**event, "paid_at": "2026-11-22T10:00:00Z"}).encode()
    faults.lose_reply(cosmos_write(ContainerName.PAYMENTS, "POST"))
    with pytest.raises(StorageUnavailableError):
        record_payment(payment_event(first), payments=payments, clock=FakeClock(NOW))
    # WHEN the platform retries, and later reports the notice again with another time
    retried = record_payment(payment_event(first), payments=payments, clock=FakeClock(NOW))
    other = json.dumps({**event, "paid_at": "2026-11-22T11:00:00Z"}).encode()
    repeated = record_payment(payment_event(other), payments=payments, clock=FakeClock(NOW))
    # THEN the retry is answered as a repeat (200) with its own payment, recorded once
    assert not retried.created
    assert retried.payment.paid_at == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert repeated.payment == retried.payment


def test_a_profile_put_whose_reply_was_lost_is_stored_and_the_retry_answers_200(local_stack):
    # GIVEN a first PUT of a citizen's profile whose write lands with its reply lost
    faults = FaultyTransport()
    container = cosmos_container(local_stack.settings, ContainerName.PROFILES, transport=faults)
    profiles = CosmosProfileRepository(container)
    fiscal_code = random_fiscal_code()
    update = ProfileUpdate(preference_mode=PreferenceMode.MANUAL, preferred_languages=("en_GB",))
    faults.lose_reply(cosmos_write(ContainerName.PROFILES, "POST", upsert=True))
    with pytest.raises(StorageUnavailableError):
        put_citizen_profile(fiscal_code, update, profiles=profiles)
    # WHEN the citizen app's back end retries it
    saved = put_citizen_profile(fiscal_code, update, profiles=profiles)
    # THEN the retry replaces (200, not 201) a profile that is already the body's
    assert not saved.created
    assert profiles.get(fiscal_code) == update.to_profile(fiscal_code)


def test_a_read_mark_whose_reply_was_lost_stands_with_its_first_time(local_stack):
    # GIVEN a message in a citizen's inbox, marked read with the reply to the write lost
    app = build_app(local_stack.settings)
    fiscal_code = random_fiscal_code()
    message = a_message(
        new_message_id(NOW), fiscal_code=fiscal_code, status=MessageStatus.PROCESSED
    )
    app.messages.add(message)
    faults = FaultyTransport()
    container = cosmos_container(local_stack.settings, ContainerName.MESSAGES, transport=faults)
    messages = CosmosMessageRepository(container)
    clock = FakeClock(NOW)

    def mark_read() -> OpenedMessage:
        return open_message(
            fiscal_code,
            message.id,
            read=True,
            messages=messages,
            directory=app.directory,
            attachments=app.attachments,
            clock=clock,
            link_lifetime=timedelta(minutes=1),
        )

    faults.lose_reply(cosmos_write(ContainerName.MESSAGES, "PUT", message.id))
    with pytest.raises(StorageUnavailableError):
        mark_read()
    landed = app.messages.get(fiscal_code, message.id)
    # WHEN the app retries a minute later
    clock.advance(minutes=1)
    opened = mark_read()
    # THEN the message is read since the first attempt, and the retry wrote nothing
    assert landed is not None
    assert opened.message.read_at == NOW
    assert opened.message.version == landed.version
