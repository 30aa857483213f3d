"""Two reminder runs at once over the same due set, on Cosmos DB: every reminder goes out,
and none twice."""

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
from shared.services.send_reminders import ReminderPlanner, ReminderPorts, send_reminders
from shared.storage_layout import storage_layout
from tests.builders import MARKDOWN, SUBJECT, a_service, random_fiscal_code
from tests.fakes import FakeClock

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
    """A schedule and claims of their own, so the cursor is this test's alone."""
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


def _deliver(app: App, service_id: str, planner: ReminderPlanner) -> Message:
    fiscal_code = random_fiscal_code()
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


def test_two_overlapping_runs_send_each_due_reminder_once(local_stack, stores):
    # GIVEN 24 citizens each with a Premium message unread for 3 days
    app = build_app(local_stack.settings)
    schedule, claims = stores
    service = a_service(f"svc-{uuid.uuid4().hex[:8]}", tier=Tier.PREMIUM)
    app.services.add(service)
    planner = ReminderPlanner(schedule=schedule, policy=POLICY)
    delivered = {_deliver(app, service.id, planner).id for _ in range(CITIZENS)}
    clock = FakeClock()
    clock.current = PROCESSED + timedelta(days=3, minutes=1)
    push = CountingPush()
    ports = ReminderPorts(
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
