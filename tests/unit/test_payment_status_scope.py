"""A service learns whether a notice was paid only for its own organization's notices and
those of payees the operator delegated to it: any service may name any payee in a message,
and another organization's payments are not its business. The same holds for reminders."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.message import (
    FeatureLevel,
    Message,
    MessageContent,
    Payee,
    PaymentData,
    RejectionReason,
)
from shared.domain.message_tracking import PaymentStatus
from shared.domain.profile import Profile
from shared.domain.push import ReminderKind
from shared.domain.service import Tier
from shared.domain.service_change import ServiceChange
from shared.services.get_message_status import get_message_status
from shared.services.payment_status import notice_status_of
from shared.services.record_payment import record_payment
from tests.builders import FISCAL_CODE, MARKDOWN, SUBJECT, a_service, payment_event
from tests.fakes import (
    FakeClock,
    FakeMessageRepository,
    FakePaymentRepository,
    FakeProfileRepository,
)
from tests.unit.reminder_world import DAY, PROCESSED, World

OWN_ORGANIZATION = "01234567890"
OTHER_ORGANIZATION = "98765432109"
NOTICE = "302000000000000001"
SENT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
PAID_AT = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
# Service B: Premium, of OWN_ORGANIZATION.
SENDER = a_service("svc-b", tier=Tier.PREMIUM, organization_fiscal_code=OWN_ORGANIZATION)


def _pay(payments: FakePaymentRepository, payee: str, paid_at: datetime = PAID_AT) -> None:
    event = {"payee_fiscal_code": payee, "notice_number": NOTICE, "paid_at": paid_at.isoformat()}
    record_payment(
        payment_event(json.dumps(event).encode()), payments=payments, clock=FakeClock(paid_at)
    )


def _notice_message(payee: str, *, processed: bool = True) -> Message:
    content = MessageContent(
        subject=SUBJECT,
        markdown=MARKDOWN,
        due_date=SENT + timedelta(days=30),
        payment_data=PaymentData(amount=5000, notice_number=NOTICE, payee=Payee(fiscal_code=payee)),
    )
    accepted = Message.accepted(
        id="01JCZ0000000000000000000AB",
        fiscal_code=FISCAL_CODE,
        sender_service_id=SENDER.id,
        now=SENT,
        time_to_live=3600,
        content=content,
        feature_level_type=FeatureLevel.ADVANCED,
    )
    if not processed:
        return accepted.rejected(RejectionReason.USER_NOT_FOUND, SENT)
    return accepted.processed(SENT + timedelta(seconds=1))


class Status:
    def __init__(self) -> None:
        self.messages = FakeMessageRepository()
        self.profiles = FakeProfileRepository()
        self.payments = FakePaymentRepository()
        self.profiles.save(Profile(fiscal_code=FISCAL_CODE))

    def of(self, message: Message, caller=SENDER):
        stored = self.messages.add(message)
        report = get_message_status(
            caller,
            FISCAL_CODE,
            stored.id,
            messages=self.messages,
            profiles=self.profiles,
            payments=self.payments,
        )
        assert report.tracking is not None
        return report.tracking


@pytest.fixture
def status() -> Status:
    return Status()


# --- the message's status ------------------------------------------------------------------


def test_a_paid_notice_of_another_organization_reports_no_payment_status(status):
    # GIVEN organization A's notice, paid
    _pay(status.payments, OTHER_ORGANIZATION)
    reads = status.payments.reads
    # WHEN service B, which named A as the payee of its message, asks for the status
    tracking = status.of(_notice_message(OTHER_ORGANIZATION))
    # THEN it learns nothing of the payment, and nothing was even read
    assert (tracking.payment_status, tracking.paid_at) == (None, None)
    assert status.payments.reads == reads


def test_the_payment_status_of_a_rejected_message_to_another_payee_is_not_reported(status):
    _pay(status.payments, OTHER_ORGANIZATION)
    status.profiles.stored.clear()  # the recipient is not registered
    tracking = status.of(_notice_message(OTHER_ORGANIZATION, processed=False))
    assert (tracking.payment_status, tracking.paid_at) == (None, None)


def test_the_senders_own_organizations_notice_reports_paid(status):
    _pay(status.payments, OWN_ORGANIZATION)
    tracking = status.of(_notice_message(OWN_ORGANIZATION))
    assert (tracking.payment_status, tracking.paid_at) == (PaymentStatus.PAID, PAID_AT)


def test_a_delegated_payees_notice_reports_paid_and_unpaid(status):
    delegated = ServiceChange(delegate_payees=(OTHER_ORGANIZATION,)).applied_to(SENDER)
    tracking = status.of(_notice_message(OTHER_ORGANIZATION), caller=delegated)
    assert (tracking.payment_status, tracking.paid_at) == (PaymentStatus.NOT_PAID, None)
    _pay(status.payments, OTHER_ORGANIZATION)
    status.messages.stored.clear()
    tracking = status.of(_notice_message(OTHER_ORGANIZATION), caller=delegated)
    assert (tracking.payment_status, tracking.paid_at) == (PaymentStatus.PAID, PAID_AT)


def test_taking_a_delegation_back_hides_the_payment_status_again(status):
    _pay(status.payments, OTHER_ORGANIZATION)
    delegated = ServiceChange(delegate_payees=(OTHER_ORGANIZATION,)).applied_to(SENDER)
    undelegated = ServiceChange(undelegate_payees=(OTHER_ORGANIZATION,)).applied_to(delegated)
    tracking = status.of(_notice_message(OTHER_ORGANIZATION), caller=undelegated)
    assert tracking.payment_status is None


def test_delegating_one_payee_does_not_open_others(status):
    _pay(status.payments, OTHER_ORGANIZATION)
    delegated = ServiceChange(delegate_payees=("11111111111",)).applied_to(SENDER)
    tracking = status.of(_notice_message(OTHER_ORGANIZATION), caller=delegated)
    assert tracking.payment_status is None


@pytest.mark.parametrize(
    ("payee", "delegated", "known"),
    [
        (OWN_ORGANIZATION, (), True),
        (OTHER_ORGANIZATION, (), False),
        (OTHER_ORGANIZATION, (OTHER_ORGANIZATION,), True),
    ],
)
def test_the_notice_status_is_known_for_own_and_delegated_payees_only(payee, delegated, known):
    sender = ServiceChange(delegate_payees=delegated).applied_to(SENDER)
    found = notice_status_of(
        _notice_message(payee), sender=sender, payments=FakePaymentRepository()
    )
    assert (found is not None) == known


# --- reminders -----------------------------------------------------------------------------


def _read_notice(world: World, payee: str) -> tuple[Message, datetime]:
    world.citizen()
    due = PROCESSED + 30 * DAY
    message = world.deliver(due=due, payment=True, payee=payee)
    world.messages.replace(message.read(PROCESSED))  # read at once: only payment reminders
    return message, due


def _run_until(world: World, until: datetime) -> None:
    at = world.clock.now()
    while at <= until:
        world.run(at)
        at += timedelta(hours=6)


def test_a_notice_of_another_organization_gets_no_payment_reminders_and_reads_no_payment():
    # GIVEN service "premium" (organization 01234567890) names another payee, unpaid
    world = World()
    _, due = _read_notice(world, OTHER_ORGANIZATION)
    # WHEN the timer runs through the notice's payment window
    _run_until(world, due)
    # THEN no payment reminder goes out (whether it is paid is not the sender's to know),
    # and the payments were never read
    assert world.kinds() == []
    assert world.payments.reads == 0


def test_a_delegated_payees_unpaid_notice_is_reminded_as_the_senders_own():
    world = World()
    world.services.replace(
        ServiceChange(delegate_payees=(OTHER_ORGANIZATION,)).applied_to(
            world.services.stored["premium"]
        )
    )
    _, due = _read_notice(world, OTHER_ORGANIZATION)
    _run_until(world, due)
    assert world.kinds() == [ReminderKind.PAYMENT] * 4 + [ReminderKind.DUE_TOMORROW]


def test_a_message_naming_another_payee_is_still_reminded_while_unread():
    world = World()
    world.citizen()
    world.deliver(due=PROCESSED + 30 * DAY, payment=True, payee=OTHER_ORGANIZATION)
    _run_until(world, PROCESSED + 4 * DAY)
    assert world.kinds() == [ReminderKind.UNREAD]
