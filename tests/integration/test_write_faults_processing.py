"""ProcessMessage on Cosmos DB when the reply to its decision is lost for real, on the
queue's last attempt: the message is PROCESSED, and its reminders are scheduled all the
same (no later attempt will come to do it)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from azure.functions.queue import QueueMessage

import ProcessMessage
from shared import bootstrap
from shared.adapters.cosmos_messages import CosmosMessageRepository
from shared.bootstrap import build_app
from shared.config import max_dequeue_count
from shared.domain.errors import StorageUnavailableError
from shared.domain.message import FeatureLevel, MessageStatus
from shared.domain.message_id import new_message_id
from shared.domain.message_ref import MessageRef
from shared.domain.profile import Profile
from shared.domain.reminder_schedule import bucket_hour
from shared.storage_layout import ContainerName
from tests.builders import a_message, random_fiscal_code
from tests.events import function_context
from tests.faultinjection import FaultyTransport, cosmos_container, cosmos_write

pytestmark = pytest.mark.emulators


def test_a_premium_decision_whose_reply_is_lost_on_the_last_attempt_is_still_scheduled(
    local_stack, monkeypatch
):
    # GIVEN a registered citizen's Premium message, ACCEPTED
    app = build_app(local_stack.settings)
    fiscal_code = random_fiscal_code()
    app.profiles.save(Profile(fiscal_code=fiscal_code))
    accepted = a_message(
        new_message_id(app.clock.now()), fiscal_code=fiscal_code, sender_service_id="svc-1"
    ).model_copy(update={"feature_level_type": FeatureLevel.ADVANCED})
    app.messages.add(accepted)
    # AND an app whose message writes can lose their replies: the decision's will
    faults = FaultyTransport()
    container = cosmos_container(local_stack.settings, ContainerName.MESSAGES, transport=faults)
    faulty = dataclasses.replace(app, messages=CosmosMessageRepository(container))
    monkeypatch.setattr(bootstrap, "app", lambda: faulty)
    faults.lose_reply(cosmos_write(ContainerName.MESSAGES, "PUT", accepted.id))
    ref = MessageRef(message_id=accepted.id, fiscal_code=fiscal_code)
    last = QueueMessage(
        id=uuid.uuid4().hex, body=ref.to_json().encode(), dequeue_count=max_dequeue_count()
    )
    # WHEN the queue's last attempt processes it (the host then poisons the reference)
    with pytest.raises(StorageUnavailableError):
        ProcessMessage.main(last, function_context("ProcessMessage"))
    # THEN the decision landed, and the message is on the schedule for its day-3 look
    assert len(faults.faulted) == 1
    stored = app.messages.get(fiscal_code, accepted.id)
    assert stored is not None
    assert stored.status is MessageStatus.PROCESSED
    assert stored.processed_at is not None
    due = stored.processed_at + timedelta(days=3)
    buckets = [b.bucket for b in app.schedule.open_buckets(due) if b.hour == bucket_hour(due)]
    entries = [entry for bucket in buckets for entry in app.schedule.bucket_entries(bucket)]
    assert accepted.id in {entry.message_id for entry in entries}
