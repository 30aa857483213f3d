"""What the app counts, read back with the OpenTelemetry SDK's in-memory reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from shared.domain.message import FailureReason, MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.profile import Profile
from shared.domain.push import ReminderKind
from shared.entrypoints.sweep_accepted import _record_poison_depth
from shared.observability.metrics import recording_on
from shared.services.process_message import fail_message, process_message
from shared.services.sweep_accepted import sweep_accepted
from tests.builders import FISCAL_CODE, a_message
from tests.fakes import (
    FakeAttachmentStore,
    FakeClock,
    FakeMessageQueue,
    FakeMessageRepository,
    FakePoisonQueue,
    FakeProfileRepository,
)
from tests.unit.reminder_world import DAY, PROCESSED, World

Points = dict[tuple[str, frozenset[tuple[str, object]]], object]


def _points(reader: InMemoryMetricReader) -> Points:
    """Each metric's data points by name and attributes: a sum's or gauge's value, a
    histogram's count."""
    points: Points = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = getattr(point, "value", None)
                    if value is None:
                        value = point.count  # type: ignore[union-attr]
                    key = (metric.name, frozenset((point.attributes or {}).items()))
                    points[key] = value
    return points


@pytest.fixture
def recorded() -> Iterator[Callable[[], Points]]:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    with recording_on(provider.get_meter("test")):
        yield lambda: _points(reader)
    provider.shutdown()


def _key(name: str, **attributes: object) -> tuple[str, frozenset[tuple[str, object]]]:
    return name, frozenset((k.replace("_", "."), v) for k, v in attributes.items())


def _process(messages, profiles, clock, message_id: str) -> MessageStatus | None:
    return process_message(
        MessageRef(message_id=message_id, fiscal_code=FISCAL_CODE),
        messages=messages,
        profiles=profiles,
        attachments=FakeAttachmentStore(),
        clock=clock,
        rejected_retention_seconds=1000,
    )


def test_deliveries_and_rejections_are_counted_per_service_once(recorded):
    # GIVEN a registered citizen and a message to them, and one to nobody
    clock = FakeClock()
    messages, profiles = FakeMessageRepository(clock), FakeProfileRepository()
    profiles.save(Profile(fiscal_code=FISCAL_CODE))
    delivered = messages.add(a_message(message_id="m-ok", sender_service_id="svc-1"))
    lost = messages.add(
        a_message(message_id="m-lost", fiscal_code="MRARSS80A01H501T", sender_service_id="svc-2")
    )
    # WHEN both are processed, and the first delivered again
    _process(messages, profiles, clock, delivered.id)
    _process(messages, profiles, clock, delivered.id)
    process_message(
        MessageRef(message_id=lost.id, fiscal_code=lost.fiscal_code),
        messages=messages,
        profiles=profiles,
        attachments=FakeAttachmentStore(),
        clock=clock,
        rejected_retention_seconds=1000,
    )
    # THEN one of each is counted, with the service and the reason
    assert recorded() == {
        _key("messages.processed", service_id="svc-1"): 1,
        _key("messages.rejected", service_id="svc-2", reason="USER_NOT_FOUND"): 1,
    }


def test_failures_are_counted_with_their_reason(recorded):
    clock = FakeClock()
    messages = FakeMessageRepository(clock)
    last_attempt = messages.add(a_message(message_id="m-1", sender_service_id="svc-1"))
    fail_message(
        MessageRef(message_id=last_attempt.id, fiscal_code=FISCAL_CODE),
        FailureReason.RETRIES_EXHAUSTED,
        messages=messages,
        attachments=FakeAttachmentStore(),
        clock=clock,
    )
    messages.add(a_message(message_id="m-2", sender_service_id="svc-2"))
    for _ in range(2):
        clock.advance(seconds=11)
        sweep_accepted(
            messages=messages,
            queue=FakeMessageQueue(),
            attachments=FakeAttachmentStore(),
            clock=clock,
            grace_seconds=10,
            max_redeliveries=1,
        )
    assert recorded() == {
        _key("messages.failed", service_id="svc-1", reason="RETRIES_EXHAUSTED"): 1,
        _key("messages.failed", service_id="svc-2", reason="REDELIVERY_LIMIT"): 1,
    }


def test_reminders_sent_are_counted_by_kind(recorded):
    world = World()
    world.citizen()
    world.deliver()
    world.run(PROCESSED + 3 * DAY)
    assert recorded() == {_key("reminders.sent", kind=ReminderKind.UNREAD.value): 1}


def test_the_poison_queue_depth_is_the_last_count_read(recorded):
    poison = FakePoisonQueue()
    _record_poison_depth(poison)
    poison.put("a")
    poison.put("b")
    _record_poison_depth(poison)
    assert recorded() == {_key("messages.poison_queue_depth"): 2}
