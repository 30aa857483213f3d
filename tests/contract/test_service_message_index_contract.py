"""The contract of each service's index of its messages, fake and Cosmos DB: upserts,
one service's partition only, newest first, keyset pages, filters and counts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.message import MessageStatus
from shared.domain.message_id import new_message_id
from shared.domain.service_messages import ServiceMessageEntry, ServiceMessageFilter
from tests.fakes import FakeServiceMessageIndex

T0 = datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def index(implementation, real_app):
    if real_app is None:
        return FakeServiceMessageIndex()
    assert real_app.message_index is not None
    return real_app.message_index


@pytest.fixture
def service_id() -> str:
    return f"svc-{uuid.uuid4().hex}"


def _entry(service_id: str, seconds: float, **fields: object) -> ServiceMessageEntry:
    created = T0 + timedelta(seconds=seconds)
    values: dict[str, object] = {
        "id": new_message_id(created),
        "service_id": service_id,
        "created_at": created,
        "status": MessageStatus.ACCEPTED,
        "status_changed_at": created,
    }
    values.update(fields)
    return ServiceMessageEntry(**values)  # type: ignore[arg-type]


def test_an_entry_reads_back_as_written_and_a_second_put_replaces_it(index, service_id):
    entry = _entry(service_id, 0, reference="PROT-1")
    index.put(entry)
    decided = ServiceMessageEntry(
        **{
            **entry.__dict__,
            "status": MessageStatus.REJECTED,
            "rejection_reason": "USER_NOT_FOUND",
            "status_changed_at": T0 + timedelta(seconds=2),
            "retention_seconds": 3600,
        }
    )
    index.put(decided)
    index.put(decided)  # repeating it is harmless
    assert index.page(ServiceMessageFilter(service_id), 10) == [decided]


def test_a_page_holds_only_the_services_own_entries_newest_first(index, service_id):
    mine = [_entry(service_id, seconds) for seconds in (0, 1, 2)]
    for entry in [*mine, _entry(f"{service_id}-other", 3)]:
        index.put(entry)
    assert index.page(ServiceMessageFilter(service_id), 10) == list(reversed(mine))
    assert index.page(ServiceMessageFilter(service_id), 2) == [mine[2], mine[1]]
    after = ServiceMessageFilter(service_id, before_id=mine[1].id)
    assert index.page(after, 10) == [mine[0]]


def test_filters_by_status_reference_and_creation_time(index, service_id):
    early = _entry(service_id, 0, status=MessageStatus.PROCESSED, reference="R")
    on_start = _entry(service_id, 10, status=MessageStatus.PROCESSED, reference="R")
    other_status = _entry(service_id, 11, reference="R")
    other_reference = _entry(service_id, 12, status=MessageStatus.PROCESSED, reference="S")
    on_end = _entry(service_id, 20, status=MessageStatus.PROCESSED, reference="R")
    for entry in (early, on_start, other_status, other_reference, on_end):
        index.put(entry)
    where = ServiceMessageFilter(
        service_id,
        status=MessageStatus.PROCESSED,
        reference="R",
        # Microseconds matter: the start is included, the end excluded.
        created_from=on_start.created_at,
        created_to=on_end.created_at,
    )
    assert index.page(where, 10) == [on_start]


def test_counts_per_status_and_read_within_a_period(index, service_id):
    entries = [
        _entry(service_id, 0, status=MessageStatus.PROCESSED, read=True),
        _entry(service_id, 1, status=MessageStatus.PROCESSED),
        _entry(service_id, 2, status=MessageStatus.REJECTED, rejection_reason="USER_NOT_FOUND"),
        _entry(service_id, 100, status=MessageStatus.PROCESSED, read=True),  # after the period
        _entry(f"{service_id}-other", 1, status=MessageStatus.FAILED),
    ]
    for entry in entries:
        index.put(entry)
    counts = index.count(ServiceMessageFilter(service_id, created_to=T0 + timedelta(seconds=50)))
    assert counts.by_status == {MessageStatus.PROCESSED: 2, MessageStatus.REJECTED: 1}
    assert (counts.read, counts.sent) == (1, 3)


def test_pushes_are_summed_and_notices_listed_once_within_a_period(index, service_id):
    payee = "01234567890"
    entries = [
        _entry(service_id, 0, status=MessageStatus.PROCESSED, pushes=3, notice=(payee, "301")),
        _entry(service_id, 1, status=MessageStatus.PROCESSED, pushes=1, notice=(payee, "302")),
        # The same notice sent twice is one notice to look up.
        _entry(service_id, 2, status=MessageStatus.PROCESSED, notice=(payee, "302")),
        _entry(service_id, 3, status=MessageStatus.PROCESSED),
        _entry(service_id, 100, pushes=5, notice=(payee, "303")),  # after the period
        _entry(f"{service_id}-other", 1, pushes=7, notice=(payee, "304")),
    ]
    for entry in entries:
        index.put(entry)
    assert index.page(ServiceMessageFilter(service_id), 10)[-1] == entries[0]
    period = ServiceMessageFilter(service_id, created_to=T0 + timedelta(seconds=50))
    assert index.count(period).pushes == 4
    assert index.notices(period) == [(payee, "301"), (payee, "302")]
    assert index.count(ServiceMessageFilter(f"{service_id}-none")).pushes == 0
    assert index.notices(ServiceMessageFilter(f"{service_id}-none")) == []


def test_a_removed_entry_is_gone_and_removing_it_again_says_so(index, service_id):
    entry = _entry(service_id, 0)
    index.put(entry)
    assert index.remove(service_id, entry.id) is True
    assert index.remove(service_id, entry.id) is False
    assert index.page(ServiceMessageFilter(service_id), 10) == []
