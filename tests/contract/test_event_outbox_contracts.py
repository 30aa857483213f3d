"""The contracts of the events outbox's ports, for the fakes and the real adapters: the
events queue (Azurite), the dead events and the messages' due outboxes (Cosmos DB)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.domain.events import DeadEvent, EventRef, EventType, new_event
from shared.domain.message import MessageStatus
from shared.domain.notice_watch import NoticeWatch
from tests.builders import a_message, random_fiscal_code


def _ref(n: int) -> EventRef:
    return EventRef(message_id=f"m{n}", fiscal_code="RSSMRA80A01H501U", event_id=f"e{n}")


def test_events_sent_now_are_visible_and_delayed_ones_are_not_yet(event_queue_and_reader):
    queue, visible = event_queue_and_reader
    queue.send(_ref(1))
    queue.send(_ref(2), delay=timedelta(minutes=10))

    assert visible() == [(_ref(1), timedelta(0))]


def test_dead_events_are_listed_per_service_oldest_first_and_removed(dead_event_store):
    service = f"svc-{uuid.uuid4().hex[:8]}"
    start = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    deads = [
        DeadEvent(
            id=f"E{n}{uuid.uuid4().hex[:6]}",
            service_id=service,
            message_id=f"M{n}",
            type=EventType.PROCESSED,
            occurred_at=start,
            attempts=3,
            last_error="HTTP 500",
            dead_at=start + timedelta(minutes=10 - n),
        )
        for n in range(3)
    ]
    for dead in deads:
        dead_event_store.put(dead)
    dead_event_store.put(deads[0])  # again: changes nothing

    assert dead_event_store.list_for(service, 10) == list(reversed(deads))
    assert dead_event_store.list_for(service, 1) == [deads[2]]
    assert dead_event_store.list_for("svc-nobody", 10) == []
    assert dead_event_store.remove(service, deads[1].id) is True
    assert dead_event_store.remove(service, deads[1].id) is False
    assert [dead.id for dead in dead_event_store.list_for(service, 10)] == [
        deads[2].id,
        deads[0].id,
    ]


def test_messages_with_events_due_are_found_across_partitions(message_repository):
    now = datetime.now(UTC).replace(microsecond=0)
    due = a_message(
        message_id=f"01K{uuid.uuid4().hex[:23].upper()}",
        fiscal_code=random_fiscal_code(),
        status=MessageStatus.PROCESSED,
    ).with_events(new_event(EventType.PROCESSED, now - timedelta(minutes=5)))
    later = a_message(
        message_id=f"01K{uuid.uuid4().hex[:23].upper()}",
        fiscal_code=random_fiscal_code(),
        status=MessageStatus.PROCESSED,
    ).with_events(new_event(EventType.PROCESSED, now + timedelta(minutes=5)))
    quiet = a_message(
        message_id=f"01K{uuid.uuid4().hex[:23].upper()}", fiscal_code=random_fiscal_code()
    )
    for message in (due, later, quiet):
        message_repository.add(message)

    found = {message.id for message in message_repository.due_outboxes(now, 500)}

    assert due.id in found
    assert later.id not in found
    assert quiet.id not in found
    # Delivered (the outbox emptied), it is due no more.
    stored = message_repository.get(due.fiscal_code, due.id)
    message_repository.replace(stored.without_event(stored.outbox[0].id))
    assert due.id not in {message.id for message in message_repository.due_outboxes(now, 500)}


def test_a_notices_watches_are_found_by_its_payment_id_once_each(notice_watches):
    notice = f"01234567890:{uuid.uuid4().int % 10**18:018d}"
    watches = [
        NoticeWatch(id=f"M{n}", payment_id=notice, fiscal_code=random_fiscal_code(), service_id="s")
        for n in range(2)
    ]
    for watch in [*watches, watches[0]]:
        notice_watches.watch(watch)

    assert sorted(notice_watches.watchers(notice), key=lambda w: w.id) == watches
    assert notice_watches.watchers("01234567890:000000000000000000") == []
