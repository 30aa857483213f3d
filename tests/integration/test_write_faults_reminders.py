"""Reminder claims on Cosmos DB whose replies are lost for real (the write lands, the SDK
raises): the run knows the claim as its own, the reminder goes out once and its claim ends
SENT."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from azure.cosmos import ContainerProxy, PartitionKey

from shared.adapters.cosmos_client import cosmos_client
from shared.adapters.cosmos_reminder_claims import CosmosReminderClaims
from shared.adapters.cosmos_reminder_schedule import CosmosReminderSchedule
from shared.bootstrap import build_app
from shared.domain.message import FeatureLevel, Message, MessageContent
from shared.domain.profile import Profile, ReminderConsent
from shared.domain.reminder_schedule import CLAIM_LEASE, ClaimState, SlotClaim, claim_id
from shared.domain.reminders import ReminderPolicy
from shared.domain.service import Tier
from shared.services.send_reminders import ReminderPlanner, ReminderPorts, send_reminders
from shared.storage_layout import ContainerName, storage_layout
from tests.builders import MARKDOWN, SUBJECT, a_service, random_fiscal_code
from tests.fakes import FakeClock, FakePushSender
from tests.faultinjection import FaultyTransport, cosmos_container, cosmos_write

pytestmark = pytest.mark.emulators

POLICY = ReminderPolicy()
PROCESSED = datetime(2026, 2, 2, 11, 0, tzinfo=UTC)  # noon in Rome
DUE = PROCESSED + timedelta(days=3, minutes=1)
SLOT = "UNREAD:1"
CLAIMS = ContainerName.REMINDER_CLAIMS


@dataclass
class Reminders:
    ports: ReminderPorts
    claims: CosmosReminderClaims
    claims_container: ContainerProxy
    faults: FaultyTransport
    push: FakePushSender
    clock: FakeClock
    message: Message

    def run(self, at: datetime) -> int:
        self.clock.current = at
        return send_reminders(ports=self.ports, policy=POLICY, hash_key="k").sent

    def stored_claim(self) -> SlotClaim:
        document_id = claim_id(self.message.id, SLOT)
        return SlotClaim.model_validate(
            self.claims_container.read_item(document_id, partition_key=document_id)
        )


@pytest.fixture
def reminders(local_stack) -> Iterator[Reminders]:
    """One consenting citizen's Premium message, unread and due for its first reminder; the
    claims go through a transport that can lose replies; a schedule of the test's own."""
    settings = local_stack.settings
    app = build_app(settings)
    database = cosmos_client(
        settings.cosmos_endpoint, settings.cosmos_key, verify_tls=settings.cosmos_verify_tls
    ).get_database_client(storage_layout().database)
    name = f"schedule-{uuid.uuid4().hex[:10]}"
    schedule = CosmosReminderSchedule(
        database.create_container(id=name, partition_key=PartitionKey(path="/id")), shards=2
    )
    service = a_service(f"svc-{uuid.uuid4().hex[:8]}", tier=Tier.PREMIUM)
    app.services.add(service)
    fiscal_code = random_fiscal_code()
    app.profiles.save(Profile(fiscal_code=fiscal_code, reminders=ReminderConsent.ENABLED))
    accepted = Message.accepted(
        id=uuid.uuid4().hex[:26].upper(),
        fiscal_code=fiscal_code,
        sender_service_id=service.id,
        now=PROCESSED,
        time_to_live=3600,
        content=MessageContent(subject=SUBJECT, markdown=MARKDOWN),
        feature_level_type=FeatureLevel.ADVANCED,
    )
    message = app.messages.add(accepted.processed(PROCESSED))
    ReminderPlanner(schedule=schedule, policy=POLICY).plan(message)
    faults = FaultyTransport()
    claims_container = cosmos_container(settings, CLAIMS, transport=faults)
    claims = CosmosReminderClaims(claims_container)
    push, clock = FakePushSender(), FakeClock()
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
    yield Reminders(ports, claims, claims_container, faults, push, clock, message)
    database.delete_container(name)


def test_a_claim_whose_create_reply_was_lost_is_the_runs_own_and_its_reminder_goes_out(
    reminders,
):
    # GIVEN the reply to the claim's create is lost (the claim is stored)
    reminders.faults.lose_reply(cosmos_write(CLAIMS, "POST"))
    # WHEN the run meets the due reminder
    sent = reminders.run(DUE)
    # THEN it read its claim back, sent the reminder and settled the claim; nothing more later
    assert len(reminders.faults.faulted) == 1
    assert sent == 1
    assert reminders.stored_claim().state is ClaimState.SENT
    assert reminders.run(DUE + 2 * CLAIM_LEASE) == 0
    assert len(reminders.push.sent) == 1


def test_a_settle_whose_reply_was_lost_still_leaves_the_claim_sent(reminders):
    # GIVEN the reply to the claim's settle (an upsert) is lost
    reminders.faults.lose_reply(cosmos_write(CLAIMS, "POST", upsert=True))
    # WHEN the run sends the reminder
    sent = reminders.run(DUE)
    # THEN the run ends normally, the claim says SENT, and no later run sends it again
    assert len(reminders.faults.faulted) == 1
    assert sent == 1
    assert reminders.stored_claim().state is ClaimState.SENT
    assert reminders.run(DUE + 2 * CLAIM_LEASE) == 0
    assert len(reminders.push.sent) == 1


def test_a_takeover_whose_reply_was_lost_is_the_runs_own(reminders):
    # GIVEN a claim left CLAIMED by a run that died, and a lost reply to the takeover
    assert isinstance(reminders.claims.claim(reminders.message.id, SLOT, DUE), SlotClaim)
    reminders.faults.lose_reply(cosmos_write(CLAIMS, "PUT"))
    # WHEN a run comes after the dead run's lease
    sent = reminders.run(DUE + CLAIM_LEASE)
    # THEN it knows the takeover as its own and sends the reminder, once
    assert len(reminders.faults.faulted) == 1
    assert sent == 1
    stored = reminders.stored_claim()
    assert (stored.state, stored.attempts) == (ClaimState.SENT, 2)
    assert len(reminders.push.sent) == 1
