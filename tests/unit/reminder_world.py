"""A reminder world of fakes with a controllable clock, for the reminder runs' tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain.message import FeatureLevel, Message, MessageContent, Payee, PaymentData
from shared.domain.profile import Profile, ReminderConsent
from shared.domain.push import ReminderKind
from shared.domain.reminder_schedule import ReminderPartition
from shared.domain.reminders import ReminderPolicy
from shared.domain.service import Tier
from shared.services.send_reminders import (
    ReminderPlanner,
    ReminderPorts,
    ReminderReport,
    queue_reminder_partitions,
    send_partition_reminders,
    send_reminders,
)
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import FISCAL_CODE, MARKDOWN, SUBJECT, a_service
from tests.fakes import (
    FakeApiKeyRepository,
    FakeClock,
    FakeMessageRepository,
    FakePaymentRepository,
    FakeProfileRepository,
    FakePushSender,
    FakeReminderClaims,
    FakeReminderSchedule,
    FakeReminderWork,
    FakeServiceRepository,
    FakeWindowCounter,
)

POLICY = ReminderPolicy()
HASH_KEY = "test-hash-key"
DAY = timedelta(days=1)
# Noon in Rome, on a winter Monday: outside quiet hours.
PROCESSED = datetime(2026, 1, 12, 11, 0, tzinfo=UTC)
NOTICE = "302000000000000001"
PAYEE = "01234567890"


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.clock.current = PROCESSED
        self.messages = FakeMessageRepository(self.clock)
        self.profiles = FakeProfileRepository()
        self.services = FakeServiceRepository()
        self.payments = FakePaymentRepository()
        self.push = FakePushSender()
        self.schedule = FakeReminderSchedule()
        self.claims = FakeReminderClaims()
        self.counter = FakeWindowCounter()
        self.work = FakeReminderWork()
        self.services.add(a_service("premium", tier=Tier.PREMIUM))
        self.services.add(a_service("basic"))
        self.directory = CachedServiceDirectory(
            api_keys=FakeApiKeyRepository(),
            services=self.services,
            clock=self.clock,
            ttl=timedelta(seconds=0),
        )
        self._ids = 0

    def ports(self) -> ReminderPorts:
        return ReminderPorts(
            schedule=self.schedule,
            claims=self.claims,
            messages=self.messages,
            profiles=self.profiles,
            payments=self.payments,
            directory=self.directory,
            push=self.push,
            counter=self.counter,
            clock=self.clock,
        )

    def citizen(self, fiscal_code: str = FISCAL_CODE, **profile) -> None:
        fields = {"reminders": ReminderConsent.ENABLED, **profile}
        self.profiles.save(Profile(fiscal_code=fiscal_code, **fields))

    def deliver(
        self,
        *,
        fiscal_code: str = FISCAL_CODE,
        service_id: str = "premium",
        level: FeatureLevel = FeatureLevel.ADVANCED,
        due: datetime | None = None,
        payment: bool = False,
        payee: str = PAYEE,
    ) -> Message:
        self._ids += 1
        content = MessageContent(
            subject=SUBJECT,
            markdown=MARKDOWN,
            due_date=due,
            payment_data=PaymentData(
                amount=100, notice_number=NOTICE, payee=Payee(fiscal_code=payee)
            )
            if payment
            else None,
        )
        accepted = Message.accepted(
            id=f"01JCZ00000000000000000{self._ids:04d}",
            fiscal_code=fiscal_code,
            sender_service_id=service_id,
            now=self.clock.now(),
            time_to_live=3600,
            content=content,
            feature_level_type=level,
        )
        message = self.messages.add(accepted.processed(self.clock.now()))
        ReminderPlanner(schedule=self.schedule, policy=POLICY).plan(message)
        return message

    def run(self, at: datetime | None = None) -> ReminderReport:
        if at is not None:
            self.clock.current = at
        return send_reminders(ports=self.ports(), policy=POLICY, hash_key=HASH_KEY)

    def queue(self, at: datetime | None = None) -> list[ReminderPartition]:
        """The timer's run: the partitions it queued."""
        if at is not None:
            self.clock.current = at
        return queue_reminder_partitions(schedule=self.schedule, work=self.work, clock=self.clock)

    def work_on(self, partition: ReminderPartition, concurrency: int = 1) -> ReminderReport:
        """One partition's worker."""
        return send_partition_reminders(
            partition, ports=self.ports(), policy=POLICY, hash_key=HASH_KEY, concurrency=concurrency
        )

    def kinds(self) -> list[ReminderKind]:
        return [push.kind for push in self.push.sent]
