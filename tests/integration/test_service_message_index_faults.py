"""The service's index on Cosmos DB when its write at the decision loses its reply for real:
ProcessMessage raises so the queue retries, and the redelivery brings the entry in line
with the message: the service's listing shows the decided status."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from azure.functions.queue import QueueMessage

import ProcessMessage
from shared import bootstrap
from shared.adapters.cosmos_service_messages import CosmosServiceMessageIndex
from shared.bootstrap import build_app
from shared.domain.errors import StorageUnavailableError
from shared.domain.message import MessageStatus
from shared.domain.message_id import new_message_id
from shared.domain.message_ref import MessageRef
from shared.domain.profile import Profile
from shared.domain.service_messages import ServiceMessageFilter, entry_of
from shared.storage_layout import ContainerName
from tests.builders import a_message, random_fiscal_code
from tests.events import function_context
from tests.faultinjection import FaultyTransport, cosmos_container, cosmos_write

pytestmark = pytest.mark.emulators


def _delivery(ref: MessageRef, attempt: int) -> QueueMessage:
    return QueueMessage(id=uuid.uuid4().hex, body=ref.to_json().encode(), dequeue_count=attempt)


@pytest.mark.parametrize("lost", [True, False], ids=["reply-lost", "never-sent"])
def test_an_index_write_lost_at_the_decision_is_repaired_by_the_queues_retry(
    local_stack, monkeypatch, lost
):
    # GIVEN a registered citizen's message, ACCEPTED and indexed ACCEPTED
    app = build_app(local_stack.settings)
    assert app.message_index is not None
    service_id = f"svc-{uuid.uuid4().hex[:10]}"
    fiscal_code = random_fiscal_code()
    app.profiles.save(Profile(fiscal_code=fiscal_code))
    accepted = app.messages.add(
        a_message(
            new_message_id(app.clock.now()), fiscal_code=fiscal_code, sender_service_id=service_id
        )
    )
    app.message_index.put(entry_of(accepted))
    # AND an app whose index upsert of that entry fails once
    faults = FaultyTransport()
    container = cosmos_container(
        local_stack.settings, ContainerName.SERVICE_MESSAGES, transport=faults
    )
    faulty = dataclasses.replace(app, message_index=CosmosServiceMessageIndex(container))
    monkeypatch.setattr(bootstrap, "app", lambda: faulty)
    write = cosmos_write(ContainerName.SERVICE_MESSAGES, "POST", upsert=True)
    if lost:
        faults.lose_reply(write)
    else:
        faults.refuse(write)
    ref = MessageRef(message_id=accepted.id, fiscal_code=fiscal_code)
    # WHEN the first attempt decides it, and its index write fails
    with pytest.raises(StorageUnavailableError):
        ProcessMessage.main(_delivery(ref, 1), function_context("ProcessMessage"))
    assert len(faults.faulted) == 1
    decided = app.messages.get(fiscal_code, accepted.id)
    assert decided is not None
    assert decided.status is MessageStatus.PROCESSED
    # AND the queue delivers the reference again
    ProcessMessage.main(_delivery(ref, 2), function_context("ProcessMessage"))
    # THEN the service's listing says what the message says
    listed = app.message_index.page(ServiceMessageFilter(service_id), 10)
    assert [(entry.id, entry.status) for entry in listed] == [
        (accepted.id, MessageStatus.PROCESSED)
    ]
