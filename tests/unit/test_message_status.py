"""GetMessageStatus: the sender sees its own messages only; a Premium sender also sees
what became of its ADVANCED messages (read if the citizen shares it, paid, the times)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.errors import NotFoundError, ValidationError
from shared.domain.message import FeatureLevel, Message, MessageContent, Payee, PaymentData
from shared.domain.message_tracking import PaymentStatus, ReadStatus
from shared.domain.payment import Payment
from shared.domain.profile import Profile
from shared.domain.service import Tier
from shared.services.get_message_status import get_message_status
from tests.builders import FISCAL_CODE, MARKDOWN, SUBJECT, a_message, a_service
from tests.fakes import FakeMessageRepository, FakePaymentRepository, FakeProfileRepository

PREMIUM = a_service(tier=Tier.PREMIUM)
SENT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
NOTICE = "302000000000000001"
PAYEE = "01234567890"


class Ports:
    def __init__(self) -> None:
        self.messages = FakeMessageRepository()
        self.profiles = FakeProfileRepository()
        self.payments = FakePaymentRepository()
        self.profiles.save(Profile(fiscal_code=FISCAL_CODE))

    def status(self, message_id: str, caller=PREMIUM, fiscal_code: str = FISCAL_CODE):
        return get_message_status(
            caller,
            fiscal_code,
            message_id,
            messages=self.messages,
            profiles=self.profiles,
            payments=self.payments,
        )


@pytest.fixture
def ports() -> Ports:
    return Ports()


def _advanced(*, payment: bool = False, level: FeatureLevel = FeatureLevel.ADVANCED) -> Message:
    content = MessageContent(
        subject=SUBJECT,
        markdown=MARKDOWN,
        due_date=SENT + timedelta(days=30) if payment else None,
        payment_data=PaymentData(amount=5000, notice_number=NOTICE, payee=Payee(fiscal_code=PAYEE))
        if payment
        else None,
    )
    accepted = Message.accepted(
        id="01JCZ0000000000000000000AB",
        fiscal_code=FISCAL_CODE,
        sender_service_id=PREMIUM.id,
        now=SENT,
        time_to_live=3600,
        content=content,
        feature_level_type=level,
    )
    return accepted.processed(SENT + timedelta(seconds=1))


def test_the_sender_reads_its_message_status(ports):
    stored = ports.messages.add(a_message())
    report = ports.status(stored.id, caller=a_service())
    assert (report.message.id, report.tracking) == (stored.id, None)


def test_another_service_cannot_tell_the_message_exists(ports):
    stored = ports.messages.add(a_message())
    with pytest.raises(NotFoundError):
        ports.status(stored.id, caller=a_service("svc-2"))
    with pytest.raises(NotFoundError):
        ports.status("unknown", caller=a_service())


def test_status_for_a_malformed_fiscal_code_is_a_validation_error(ports):
    with pytest.raises(ValidationError):
        ports.status("x", fiscal_code="NOTACODE")


def test_an_unread_advanced_message_of_a_premium_sender_is_tracked(ports):
    stored = ports.messages.add(_advanced())
    tracking = ports.status(stored.id).tracking
    assert tracking is not None
    assert (tracking.read_status, tracking.payment_status) == (ReadStatus.UNREAD, None)
    assert (tracking.processed_at, tracking.received_at, tracking.read_at, tracking.paid_at) == (
        SENT + timedelta(seconds=1),
        None,
        None,
        None,
    )


def test_a_read_and_paid_message_reports_all_four_times(ports):
    # GIVEN a payment message the citizen received, read, then paid
    message = _advanced(payment=True)
    received, read = SENT + timedelta(hours=1), SENT + timedelta(hours=2)
    stored = ports.messages.add(message.received(received).read(read))
    paid = SENT + timedelta(days=1)
    ports.payments.add(
        Payment.model_validate(
            {
                "id": f"{PAYEE}:{NOTICE}",
                "payee_fiscal_code": PAYEE,
                "notice_number": NOTICE,
                "paid_at": paid,
                "recorded_at": paid,
            }
        )
    )
    # WHEN the sender asks
    tracking = ports.status(stored.id).tracking
    # THEN it sees READ / PAID and when each happened
    assert tracking is not None
    assert (tracking.read_status, tracking.payment_status) == (ReadStatus.READ, PaymentStatus.PAID)
    assert (tracking.received_at, tracking.read_at, tracking.paid_at) == (received, read, paid)


def test_an_unpaid_notice_is_not_paid(ports):
    stored = ports.messages.add(_advanced(payment=True))
    tracking = ports.status(stored.id).tracking
    assert tracking is not None
    assert (tracking.payment_status, tracking.paid_at) == (PaymentStatus.NOT_PAID, None)


def test_a_citizen_who_does_not_share_reading_hides_it(ports):
    ports.profiles.save(Profile(fiscal_code=FISCAL_CODE, share_read_status=False))
    stored = ports.messages.add(_advanced().read(SENT + timedelta(hours=1)))
    tracking = ports.status(stored.id).tracking
    assert tracking is not None
    assert (tracking.read_status, tracking.read_at) == (ReadStatus.UNAVAILABLE, None)


def test_a_citizen_no_longer_registered_shares_nothing(ports):
    ports.profiles.stored.clear()
    stored = ports.messages.add(_advanced().read(SENT + timedelta(hours=1)))
    tracking = ports.status(stored.id).tracking
    assert tracking is not None
    assert tracking.read_status is ReadStatus.UNAVAILABLE


def test_a_standard_message_shows_only_its_processing_status(ports):
    stored = ports.messages.add(_advanced(level=FeatureLevel.STANDARD).read(SENT))
    assert ports.status(stored.id).tracking is None


def test_a_sender_no_longer_premium_sees_only_the_processing_status(ports):
    stored = ports.messages.add(_advanced().read(SENT))
    assert ports.status(stored.id, caller=a_service(tier=Tier.BASIC)).tracking is None
