"""The PushSender contract, for the fake and for the push queue on Azurite."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from shared.adapters.push_queue import QueuePushSender, queue_push_sender
from shared.adapters.queues import queue_client
from shared.domain.citizen_hash import push_tag
from shared.domain.errors import PushDeliveryError
from shared.domain.profile import PushContent
from shared.domain.push import ReminderKind, new_message_push, reminder_push
from tests.fakes import FakePushSender

TAG = push_tag("RSSMRA80A01H501U", "contract-key")
PUSHES = [
    reminder_push(
        tag=TAG,
        kind=ReminderKind.UNREAD,
        preferred_languages=("it_IT",),
        message_id="01JCZ0000000000000000000A1",
        expires_at=None,
    ),
    reminder_push(
        tag=TAG,
        kind=ReminderKind.PAYMENT,
        preferred_languages=("de_DE",),
        message_id="01JCZ0000000000000000000A2",
        expires_at=datetime(2026, 12, 31, 0, 0, tzinfo=UTC),
    ),
    reminder_push(
        tag=push_tag("MRARSS80A01H501T", "contract-key"),
        kind=ReminderKind.DUE_TOMORROW,
        preferred_languages=("en_GB",),
        message_id="01JCZ0000000000000000000A3",
        expires_at=datetime(2026, 12, 30, 23, 0, tzinfo=UTC),
    ),
    new_message_push(
        tag=TAG,
        preferred_languages=("it_IT",),
        content=PushContent.ANONYMOUS,
        service_name="Ufficio Tributi",
        subject="La tua carta d'identità è pronta",
        message_id="01JCZ0000000000000000000A4",
    ),
    new_message_push(
        tag=TAG,
        preferred_languages=("de_DE",),
        content=PushContent.FULL,
        service_name="Bürgerbüro Bozen",
        subject="Ihr neuer Personalausweis ist fertig",
        message_id="01JCZ0000000000000000000A5",
    ),
]


@pytest.fixture
def push_sender(implementation, request) -> Iterator[object]:
    """The push port, reading back what it sent with peek(); the real one on a fresh queue."""
    if implementation == "fake":
        yield FakePushSender()
        return
    stack = request.getfixturevalue("local_stack")
    client = queue_client(stack.storage, f"push-{uuid.uuid4().hex[:12]}")
    client.create_queue()
    yield QueuePushSender(client)
    client.delete_queue()


@pytest.fixture
def failing_push_sender(implementation, request) -> Callable[[], object]:
    """A push port whose storage is not there: a queue never created (fake: told to fail)."""

    def make() -> object:
        if implementation == "fake":
            fake = FakePushSender()
            fake.fail_next(retryable=True)
            return fake
        stack = request.getfixturevalue("local_stack")
        return queue_push_sender(stack.storage, f"absent-{uuid.uuid4().hex}")

    return make


def test_sent_pushes_read_back_in_order_with_every_field(push_sender):
    # GIVEN reminders and new-message pushes, with and without an expiry, in three languages
    # WHEN they are sent
    for push in PUSHES:
        push_sender.send(push)
    # THEN they read back in order, equal field for field (expiry moments included)
    assert push_sender.peek(32) == PUSHES


def test_reading_back_leaves_the_pushes_in_place_and_honours_the_limit(push_sender):
    for push in PUSHES:
        push_sender.send(push)
    assert push_sender.peek(2) == PUSHES[:2]
    assert push_sender.peek(32) == PUSHES


def test_a_send_the_storage_cannot_take_raises_a_retryable_delivery_error(failing_push_sender):
    sender = failing_push_sender()
    with pytest.raises(PushDeliveryError) as raised:
        sender.send(PUSHES[0])
    assert raised.value.retryable is True
