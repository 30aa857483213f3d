"""Each port's contract runs twice: against its fake and against its real adapter."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from azure.cosmos import ContainerProxy, PartitionKey

from shared.adapters.blob_attachments import (
    AccountKeySigner,
    BlobAttachmentStore,
    account_key_from_connection_string,
    blob_container_client,
)
from shared.adapters.cosmos_client import cosmos_client
from shared.adapters.cosmos_reminder_claims import CosmosReminderClaims
from shared.adapters.cosmos_reminder_schedule import CosmosReminderSchedule
from shared.adapters.event_queue import StorageEventQueue
from shared.adapters.queues import StorageMessageQueue, StoragePoisonQueue, queue_client
from shared.bootstrap import build_app
from shared.domain.events import EventRef
from shared.domain.message_ref import MessageRef
from shared.storage_layout import ContainerName, storage_layout
from tests.fakes import (
    FakeApiKeyRepository,
    FakeAttachmentStore,
    FakeDeadEventStore,
    FakeEventQueue,
    FakeIdempotencyStore,
    FakeMessageQueue,
    FakeMessageRepository,
    FakeNoticeWatches,
    FakePaymentRepository,
    FakePoisonQueue,
    FakeProfileRepository,
    FakeReminderClaims,
    FakeReminderSchedule,
    FakeServiceRepository,
    FakeWindowCounter,
)

IMPLEMENTATIONS = ["fake", "real"]


@pytest.fixture(params=IMPLEMENTATIONS)
def implementation(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def real_app(implementation, request):
    if implementation == "fake":
        return None
    stack = request.getfixturevalue("local_stack")
    return build_app(stack.settings)


@pytest.fixture
def message_repository(implementation, real_app):
    return FakeMessageRepository() if real_app is None else real_app.messages


@pytest.fixture
def profile_repository(implementation, real_app):
    return FakeProfileRepository() if real_app is None else real_app.profiles


@pytest.fixture
def service_repository(implementation, real_app):
    return FakeServiceRepository() if real_app is None else real_app.services


@pytest.fixture
def api_key_repository(implementation, real_app):
    return FakeApiKeyRepository() if real_app is None else real_app.api_keys


@pytest.fixture
def message_queue_and_reader(
    implementation, request
) -> Iterator[tuple[object, Callable[[], list[MessageRef]]]]:
    """The queue port, and a function that drains what was sent through it."""
    if implementation == "fake":
        fake = FakeMessageQueue()

        def drain_fake() -> list[MessageRef]:
            return fake.take_all()

        yield fake, drain_fake
        return
    stack = request.getfixturevalue("local_stack")
    client = queue_client(stack.storage, f"contract-{uuid.uuid4().hex[:12]}")
    client.create_queue()

    def drain_real() -> list[MessageRef]:
        refs = []
        for message in client.receive_messages(max_messages=32):
            refs.append(MessageRef.from_json(message.content))
            client.delete_message(message)
        return refs

    yield StorageMessageQueue(client), drain_real
    client.delete_queue()


@pytest.fixture
def window_counter(implementation, real_app):
    return FakeWindowCounter() if real_app is None else real_app.rate_counter


@pytest.fixture
def idempotency_store(implementation, real_app):
    return FakeIdempotencyStore() if real_app is None else real_app.idempotency


@pytest.fixture
def payment_repository(implementation, real_app):
    return FakePaymentRepository() if real_app is None else real_app.payments


@pytest.fixture
def poison_queue_and_writer(
    implementation, request
) -> Iterator[tuple[object, Callable[[str], object]]]:
    """The poison queue port, and a function that puts raw text in it as the host does."""
    if implementation == "fake":
        fake = FakePoisonQueue()
        yield fake, fake.put
        return
    stack = request.getfixturevalue("local_stack")
    client = queue_client(stack.storage, f"poison-{uuid.uuid4().hex[:12]}")
    client.create_queue()
    yield StoragePoisonQueue(client), client.send_message
    client.delete_queue()


@pytest.fixture
def attachment_store(implementation, request) -> Iterator[object]:
    """The attachment store port; the real one in a fresh private container of its own."""
    if implementation == "fake":
        yield FakeAttachmentStore()
        return
    stack = request.getfixturevalue("local_stack")
    container = blob_container_client(stack.storage, f"contract-{uuid.uuid4().hex[:12]}")
    container.create_container()
    account = account_key_from_connection_string(stack.storage_connection_string)
    yield BlobAttachmentStore(container, signer=AccountKeySigner(account))
    container.delete_container()


@contextmanager
def _fresh_container(stack, layout_of: str | None = None) -> Iterator[ContainerProxy]:
    """A Cosmos container of its own (partition key /id; the indexing policy of the
    layout's container `layout_of`, if named), deleted afterwards."""
    client = cosmos_client(
        stack.settings.cosmos_endpoint,
        stack.settings.cosmos_key,
        verify_tls=stack.settings.cosmos_verify_tls,
    )
    database = client.get_database_client(storage_layout().database)
    name = f"contract-{uuid.uuid4().hex[:12]}"
    policy = {spec.name: spec.indexing_policy for spec in storage_layout().containers}
    container = database.create_container(
        id=name,
        partition_key=PartitionKey(path="/id"),
        indexing_policy=policy[layout_of] if layout_of else None,
    )
    try:
        yield container
    finally:
        database.delete_container(name)


@pytest.fixture
def reminder_schedule(implementation, request) -> Iterator[object]:
    """The schedule port; the real one in a container of its own, indexed as the layout's."""
    if implementation == "fake":
        yield FakeReminderSchedule()
        return
    stack = request.getfixturevalue("local_stack")
    with _fresh_container(stack, ContainerName.REMINDER_SCHEDULE) as container:
        yield CosmosReminderSchedule(container, shards=4)


@pytest.fixture
def reminder_claims(implementation, request) -> Iterator[object]:
    if implementation == "fake":
        yield FakeReminderClaims()
        return
    with _fresh_container(request.getfixturevalue("local_stack")) as container:
        yield CosmosReminderClaims(container)


@pytest.fixture
def dead_event_store(implementation, real_app):
    return FakeDeadEventStore() if real_app is None else real_app.dead_events


@pytest.fixture
def event_queue_and_reader(
    implementation, request
) -> Iterator[tuple[object, Callable[[], list[tuple[EventRef, timedelta]]]]]:
    """The events queue port, and a function that reads back what is visible now with the
    delay it was sent with (the fake keeps it; the real queue shows it by not yet showing)."""
    if implementation == "fake":
        fake = FakeEventQueue()

        def visible_fake() -> list[tuple[EventRef, timedelta]]:
            return [(ref, delay) for ref, delay in fake.sent if delay == timedelta(0)]

        yield fake, visible_fake
        return
    stack = request.getfixturevalue("local_stack")
    client = queue_client(stack.storage, f"events-{uuid.uuid4().hex[:12]}")
    client.create_queue()

    def visible_real() -> list[tuple[EventRef, timedelta]]:
        found = []
        for message in client.receive_messages(max_messages=32):
            found.append((EventRef.from_json(message.content), timedelta(0)))
            client.delete_message(message)
        return found

    yield StorageEventQueue(client), visible_real
    client.delete_queue()


@pytest.fixture
def notice_watches(implementation, real_app):
    return FakeNoticeWatches() if real_app is None else real_app.watches
