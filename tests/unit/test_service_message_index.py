"""Each service's index of its messages follows the messages: written at acceptance and at
the decision, repaired by the queue's redelivery when the decision's write is lost, never
failing an acceptance; and the reference reaches the status answer and the callbacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.errors import StorageUnavailableError
from shared.domain.events import EventType, new_event
from shared.domain.message import FailureReason, MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.domain.profile import Profile
from shared.entrypoints.get_message_status import message_status_body
from shared.services.citizen_message import open_message
from shared.services.create_message import create_message
from shared.services.dispatch_event import callback_body
from shared.services.process_message import fail_message, process_message
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import FISCAL_CODE, a_message, a_service, message_json
from tests.fakes import (
    FakeApiKeyRepository,
    FakeAttachmentStore,
    FakeClock,
    FakeIdempotencyStore,
    FakeMessageQueue,
    FakeMessageRepository,
    FakeProfileRepository,
    FakeServiceMessageIndex,
    FakeServiceRepository,
)
from tests.port_faults import LOST, REFUSED, FaultyPort


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.messages = FakeMessageRepository(self.clock)
        self.profiles = FakeProfileRepository()
        self.profiles.save(Profile(fiscal_code=FISCAL_CODE))
        self.index = FakeServiceMessageIndex()
        self.queue = FakeMessageQueue()

    def accept(self, index=None, **body) -> str:
        accepted = create_message(
            a_service(),
            *validate_new_message(FISCAL_CODE, message_json(**body)),
            messages=self.messages,
            queue=self.queue,
            idempotency=FakeIdempotencyStore(),
            attachments=FakeAttachmentStore(),
            clock=self.clock,
            index=self.index if index is None else index,
        )
        return accepted.message.id

    def process(self, message_id: str, index=None) -> MessageStatus | None:
        return process_message(
            MessageRef(message_id=message_id, fiscal_code=FISCAL_CODE),
            messages=self.messages,
            profiles=self.profiles,
            attachments=FakeAttachmentStore(),
            clock=self.clock,
            rejected_retention_seconds=3600,
            index=self.index if index is None else index,
        )

    def entry_status(self, message_id: str) -> MessageStatus | None:
        entry = self.index.stored.get(("svc-1", message_id))
        return None if entry is None else entry.status


@pytest.fixture
def world() -> World:
    return World()


def test_an_accepted_message_is_indexed_accepted_with_its_reference(world):
    message_id = world.accept(reference="PROT-1")
    entry = world.index.stored[("svc-1", message_id)]
    assert entry.status is MessageStatus.ACCEPTED
    assert entry.reference == "PROT-1"
    assert FISCAL_CODE not in repr(entry)


def test_an_index_outage_does_not_fail_an_acceptance(world):
    world.index.failing = True
    message_id = world.accept()
    assert world.messages.get(FISCAL_CODE, message_id) is not None
    assert len(world.queue.sent) == 1
    assert world.entry_status(message_id) is None


def test_the_decision_writes_the_entry_even_when_acceptance_could_not(world):
    world.index.failing = True
    message_id = world.accept()
    world.index.failing = False
    assert world.process(message_id) is MessageStatus.PROCESSED
    assert world.entry_status(message_id) is MessageStatus.PROCESSED


@pytest.mark.parametrize("fault", [REFUSED, LOST])
def test_a_lost_index_write_at_the_decision_is_repaired_by_the_redelivery(world, fault):
    message_id = world.accept()
    faulty = FaultyPort(world.index, "put", [fault])
    # GIVEN the decision is stored but its index write fails: the queue will retry
    with pytest.raises(StorageUnavailableError):
        world.process(message_id, index=faulty)
    assert world.messages.get(FISCAL_CODE, message_id).status is MessageStatus.PROCESSED
    # WHEN the queue delivers the reference again
    assert world.process(message_id, index=faulty) is MessageStatus.PROCESSED
    # THEN the entry says what the message says
    assert world.entry_status(message_id) is MessageStatus.PROCESSED
    assert faulty.calls == 2


def test_a_rejection_is_indexed_with_its_reason(world):
    world.profiles.stored.clear()
    message_id = world.accept()
    assert world.process(message_id) is MessageStatus.REJECTED
    entry = world.index.stored[("svc-1", message_id)]
    assert (entry.status, entry.rejection_reason) == (MessageStatus.REJECTED, "USER_NOT_FOUND")
    # It expires with its message, so a listing never names a message that is gone.
    assert entry.retention_seconds == 3600


def test_a_message_marked_failed_is_indexed_failed(world):
    message_id = world.accept()
    status = fail_message(
        MessageRef(message_id=message_id, fiscal_code=FISCAL_CODE),
        FailureReason.RETRIES_EXHAUSTED,
        messages=world.messages,
        attachments=FakeAttachmentStore(),
        clock=world.clock,
        index=world.index,
    )
    assert status is MessageStatus.FAILED
    assert world.entry_status(message_id) is MessageStatus.FAILED


def test_the_last_attempt_repairs_the_entry_of_a_message_decided_earlier(world):
    message_id = world.accept()
    with pytest.raises(StorageUnavailableError):
        world.process(message_id, index=FaultyPort(world.index, "put", [REFUSED]))
    fail_message(
        MessageRef(message_id=message_id, fiscal_code=FISCAL_CODE),
        FailureReason.RETRIES_EXHAUSTED,
        messages=world.messages,
        attachments=FakeAttachmentStore(),
        clock=world.clock,
        index=world.index,
    )
    assert world.entry_status(message_id) is MessageStatus.PROCESSED


def test_the_status_answer_echoes_the_reference():
    message = a_message().model_copy(update={"reference": "PROT-9"})
    assert message_status_body(message)["message"]["reference"] == "PROT-9"
    assert "reference" not in message_status_body(a_message())["message"]


def test_a_callback_carries_the_reference_when_there_is_one():
    event = new_event(EventType.PROCESSED, datetime(2026, 12, 3, tzinfo=UTC))
    with_reference = a_message().model_copy(update={"reference": "PROT-9"})
    assert json.loads(callback_body(event, with_reference))["reference"] == "PROT-9"
    assert "reference" not in json.loads(callback_body(event, a_message()))


def _open_as_read(world: World, message_id: str, index) -> None:
    services = FakeServiceRepository()
    services.add(a_service())
    open_message(
        FISCAL_CODE,
        message_id,
        read=True,
        messages=world.messages,
        directory=CachedServiceDirectory(
            api_keys=FakeApiKeyRepository(),
            services=services,
            clock=world.clock,
            ttl=timedelta(seconds=10),
        ),
        attachments=FakeAttachmentStore(),
        clock=world.clock,
        link_lifetime=timedelta(minutes=5),
        index=index,
    )


def test_a_message_read_by_the_citizen_is_counted_read(world):
    message_id = world.accept()
    world.process(message_id)
    _open_as_read(world, message_id, world.index)
    assert world.index.stored[("svc-1", message_id)].read is True


def test_an_index_outage_does_not_fail_the_read_mark(world):
    message_id = world.accept()
    world.process(message_id)
    world.index.failing = True
    _open_as_read(world, message_id, world.index)
    assert world.messages.get(FISCAL_CODE, message_id).is_read
    assert world.index.stored[("svc-1", message_id)].read is False  # not repaired: documented
