"""Reminder runs at once over the same due set, on Cosmos DB: whole runs overlapping, and
one run's partitions worked side by side (each twice): every reminder goes out, none twice,
and a citizen gets one push per run."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from azure.cosmos import PartitionKey

from shared.adapters.cosmos_client import cosmos_client
from shared.adapters.cosmos_reminder_claims import CosmosReminderClaims
from shared.adapters.cosmos_reminder_schedule import CosmosReminderSchedule
from shared.bootstrap import App, build_app
from shared.domain.message import FeatureLevel, Message, MessageContent
from shared.domain.profile import Profile, ReminderConsent
from shared.domain.push import Push
from shared.domain.reminders import ReminderPolicy
from shared.domain.service import Tier
from shared.services.send_reminders import (
    ReminderPlanner,
    ReminderPorts,
    queue_reminder_partitions,
    send_partition_reminders,
    send_reminders,
)
from shared.storage_layout import storage_layout
from tests.builders import MARKDOWN, SUBJECT, a_service, random_fiscal_code
from tests.fakes import FakeClock, FakeReminderWork

pytestmark = pytest.mark.emulators

CITIZENS = 24
PROCESSED = datetime(2026, 2, 2, 11, 0, tzinfo=UTC)  # noon in Rome
POLICY = ReminderPolicy()


class CountingPush:
    def __init__(self) -> None:
        self.sent: list[Push] = []
        self._lock = threading.Lock()

    def send(self, push: Push) -> None:
        with self._lock:
            self.sent.append(push)


@pytest.fixture
def stores(local_stack) -> Iterator[tuple[CosmosReminderSchedule, CosmosReminderClaims]]:
    """A schedule and claims of their own, so their buckets are this test's alone."""
    settings = local_stack.settings
    client = cosmos_client(
        settings.cosmos_endpoint, settings.cosmos_key, verify_tls=settings.cosmos_verify_tls
    )
    database = client.get_database_client(storage_layout().database)
    names = [f"reminders-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    schedule, claims = (
        database.create_container(id=name, partition_key=PartitionKey(path="/id")) for name in names
    )
    yield CosmosReminderSchedule(schedule, shards=4), CosmosReminderClaims(claims)
    for name in names:
        database.delete_container(name)


def _deliver(
    app: App, service_id: str, planner: ReminderPlanner, fiscal_code: str | None = None
) -> Message:
    fiscal_code = fiscal_code or random_fiscal_code()
    app.profiles.save(Profile(fiscal_code=fiscal_code, reminders=ReminderConsent.ENABLED))
    accepted = Message.accepted(
        id=uuid.uuid4().hex[:26].upper(),
        fiscal_code=fiscal_code,
        sender_service_id=service_id,
        now=PROCESSED,
        time_to_live=3600,
        content=MessageContent(subject=SUBJECT, markdown=MARKDOWN),
        feature_level_type=FeatureLevel.ADVANCED,
    )
    message = app.messages.add(accepted.processed(PROCESSED))
    planner.plan(message)
    return message


def _ports(app: App, stores, push: CountingPush) -> ReminderPorts:
    schedule, claims = stores
    clock = FakeClock()
    clock.current = PROCESSED + timedelta(days=3, minutes=1)
    return ReminderPorts(
        schedule=schedule,
        claims=claims,
        messages=app.messages,
        profiles=app.profiles,
        payments=app.payments,
        directory=app.directory,
        push=push,
        counter=app.rate_counter,
        clock=clock,
    )


def test_two_overlapping_runs_send_each_due_reminder_once(local_stack, stores):
    # GIVEN 24 citizens each with a Premium message unread for 3 days
    app = build_app(local_stack.settings)
    service = a_service(f"svc-{uuid.uuid4().hex[:8]}", tier=Tier.PREMIUM)
    app.services.add(service)
    planner = ReminderPlanner(schedule=stores[0], policy=POLICY)
    delivered = {_deliver(app, service.id, planner).id for _ in range(CITIZENS)}
    push = CountingPush()
    ports = _ports(app, stores, push)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def one_run() -> None:
        start.wait()
        try:
            send_reminders(ports=ports, policy=POLICY, hash_key="k")
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    # WHEN two runs go over the same due set at the same time
    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # THEN each reminder went out exactly once
    assert errors == []
    counts = Counter(sent.message_id for sent in push.sent)
    assert set(counts) == delivered
    assert set(counts.values()) == {1}
    # AND a third run finds nothing more to send
    send_reminders(ports=ports, policy=POLICY, hash_key="k")
    assert len(push.sent) == CITIZENS


def test_partitions_worked_side_by_side_twice_send_each_reminder_once(local_stack, stores):
    # GIVEN 24 citizens with a due reminder each, and one more with four, over 4 buckets
    app = build_app(local_stack.settings)
    service = a_service(f"svc-{uuid.uuid4().hex[:8]}", tier=Tier.PREMIUM)
    app.services.add(service)
    planner = ReminderPlanner(schedule=stores[0], policy=POLICY)
    single = {_deliver(app, service.id, planner).id for _ in range(CITIZENS)}
    busy_citizen = random_fiscal_code()
    several = {_deliver(app, service.id, planner, busy_citizen).id for _ in range(4)}
    push = CountingPush()
    ports = _ports(app, stores, push)
    work = FakeReminderWork()
    partitions = queue_reminder_partitions(schedule=stores[0], work=work, clock=ports.clock)
    assert len(partitions) > 1
    start = threading.Barrier(2 * len(partitions))
    errors: list[BaseException] = []

    def work_on(partition) -> None:
        start.wait()
        try:
            send_partition_reminders(
                partition, ports=ports, policy=POLICY, hash_key="k", concurrency=4
            )
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    # WHEN two workers take each partition, all at the same time
    threads = [threading.Thread(target=work_on, args=(p,)) for p in partitions + partitions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # THEN each single reminder went out once, and the busy citizen got one of the run
    assert errors == []
    counts = Counter(sent.message_id for sent in push.sent)
    assert set(counts.values()) == {1}
    assert set(counts) - several == single
    assert len(set(counts) & several) == 1
