"""`message.paid`: a Premium sender with a callback hears once per payment that the notice of
its ADVANCED message was paid, whether the payment came before the message was delivered or
after; never of a notice payable to an organization it may not know about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain.callbacks import CallbackTarget, SealedSecret
from shared.domain.events import EventType
from shared.domain.message import FeatureLevel, MessageContent, Payee, PaymentData
from shared.domain.message_ref import MessageRef
from shared.domain.payment import Payment, payment_id
from shared.domain.profile import Profile
from shared.domain.service import Tier
from shared.services.message_events import EventOutbox
from shared.services.paid_events import tell_paid
from shared.services.process_message import process_message
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import FISCAL_CODE, MARKDOWN, SUBJECT, a_message, a_service
from tests.fakes import (
    FakeApiKeyRepository,
    FakeAttachmentStore,
    FakeClock,
    FakeEventQueue,
    FakeMessageRepository,
    FakeNoticeWatches,
    FakePaymentRepository,
    FakeProfileRepository,
    FakeServiceRepository,
)

OWN = "01234567890"
OTHER = "09876543210"
NOTICE = "012345678901234567"
CALLBACK = CallbackTarget(
    url="https://hooks.comune.example.it/postino",
    secrets=(SealedSecret(id="cbs_1", sealed="x", created_at=datetime(2026, 11, 1, tzinfo=UTC)),),
)


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.messages = FakeMessageRepository(self.clock)
        self.profiles = FakeProfileRepository()
        self.profiles.save(Profile(fiscal_code=FISCAL_CODE, new_message_pushes=False))
        services = FakeServiceRepository()
        services.add(a_service(tier=Tier.PREMIUM, organization_fiscal_code=OWN, callback=CALLBACK))
        self.payments = FakePaymentRepository()
        self.watches = FakeNoticeWatches()
        self.queue = FakeEventQueue()
        self.outbox = EventOutbox(
            directory=CachedServiceDirectory(
                api_keys=FakeApiKeyRepository(),
                services=services,
                clock=self.clock,
                ttl=timedelta(0),
            ),
            queue=self.queue,
            push_not_before=lambda now: now,
            payments=self.payments,
            watches=self.watches,
        )

    def deliver(self, payee: str = OWN) -> MessageRef:
        content = MessageContent(
            subject=SUBJECT,
            markdown=MARKDOWN,
            payment_data=PaymentData(
                amount=100, notice_number=NOTICE, payee=Payee(fiscal_code=payee)
            ),
        )
        message = a_message().model_copy(
            update={"content": content, "feature_level_type": FeatureLevel.ADVANCED}
        )
        self.messages.add(message)
        ref = MessageRef(message_id=message.id, fiscal_code=FISCAL_CODE)
        process_message(
            ref,
            messages=self.messages,
            profiles=self.profiles,
            attachments=FakeAttachmentStore(),
            clock=self.clock,
            rejected_retention_seconds=60,
            outbox=self.outbox,
        )
        return ref

    def pay(
        self, paid_at: datetime, payee: str = OWN, reversed_at: datetime | None = None
    ) -> Payment:
        payment = Payment(
            id=payment_id(payee, NOTICE),
            payee_fiscal_code=payee,
            notice_number=NOTICE,
            paid_at=paid_at,
            recorded_at=self.clock.now(),
            reversed_at=reversed_at,
        )
        tell_paid(payment, outbox=self.outbox, messages=self.messages, clock=self.clock)
        return payment

    def paid_events(self, ref: MessageRef) -> list[str]:
        message = self.messages.get(ref.fiscal_code, ref.message_id)
        assert message is not None
        return [event.id for event in message.outbox if event.type is EventType.PAID]


def test_a_payment_after_delivery_tells_the_watching_message_once():
    world = World()
    ref = world.deliver()
    assert world.paid_events(ref) == []

    paid_at = world.clock.now()
    world.pay(paid_at)
    world.pay(paid_at)  # the platform's repeat

    (event_id,) = world.paid_events(ref)
    assert event_id in [sent.event_id for sent in world.queue.refs]


def test_a_notice_paid_before_delivery_is_told_with_the_decision():
    world = World()
    world.payments.add(
        Payment(
            id=payment_id(OWN, NOTICE),
            payee_fiscal_code=OWN,
            notice_number=NOTICE,
            paid_at=world.clock.now() - timedelta(days=1),
            recorded_at=world.clock.now(),
        )
    )

    ref = world.deliver()

    assert len(world.paid_events(ref)) == 1
    world.pay(world.clock.now() - timedelta(days=1))  # a late repeat of the same payment
    assert len(world.paid_events(ref)) == 1


def test_a_reversed_payment_tells_nothing_and_a_new_payment_is_told_again():
    world = World()
    ref = world.deliver()
    first = world.clock.now()
    world.pay(first)
    world.pay(first, reversed_at=first + timedelta(hours=1))
    assert len(world.paid_events(ref)) == 1

    world.pay(first + timedelta(days=1))

    assert len(world.paid_events(ref)) == 2


def test_a_notice_payable_to_another_organization_is_not_watched():
    world = World()
    ref = world.deliver(payee=OTHER)

    world.pay(world.clock.now(), payee=OTHER)

    assert world.watches.stored == {}
    assert world.paid_events(ref) == []
