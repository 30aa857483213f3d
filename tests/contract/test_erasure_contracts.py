"""The contracts of what an erasure uses of each store, fake and real: finding a citizen's
messages, deleting them, the profile, schedule entries, claims, watches and Idempotency-Key
records, and keeping its audit record."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.erasure import ErasedKind, ErasureRecord
from shared.domain.idempotency import IdempotencyRecord
from shared.domain.notice_watch import NoticeWatch
from shared.domain.profile import Profile
from shared.domain.reminder_schedule import ClaimState, ScheduleEntry, SlotBusy
from tests.builders import a_message, random_fiscal_code
from tests.contract.schedule_hours import entries_of_hour
from tests.fakes import FakeErasureLog

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _message_id() -> str:
    return "01JCZ" + uuid.uuid4().hex[:21].upper()


@pytest.fixture
def erasure_log(implementation, real_app):
    return FakeErasureLog() if real_app is None else real_app.erasures


def test_a_citizens_messages_are_all_found_and_each_deleted_once(message_repository):
    fiscal_code, other = random_fiscal_code(), random_fiscal_code()
    mine = {_message_id() for _ in range(3)}
    for message_id in mine:
        message_repository.add(a_message(message_id, fiscal_code))
    message_repository.add(a_message(_message_id(), other))
    assert {m.id for m in message_repository.of_citizen(fiscal_code)} == mine
    first = sorted(mine)[0]
    assert message_repository.delete(fiscal_code, first) is True
    assert message_repository.delete(fiscal_code, first) is False
    assert message_repository.get(fiscal_code, first) is None
    assert {m.id for m in message_repository.of_citizen(fiscal_code)} == mine - {first}
    assert len(message_repository.of_citizen(other)) == 1


def test_a_profile_is_deleted_once(profile_repository):
    fiscal_code = random_fiscal_code()
    profile_repository.save(Profile(fiscal_code=fiscal_code))
    assert profile_repository.delete(fiscal_code) is True
    assert profile_repository.get(fiscal_code) is None
    assert profile_repository.delete(fiscal_code) is False


def test_schedule_entries_of_messages_are_forgotten_in_every_hour(reminder_schedule):
    gone, kept = _message_id(), _message_id()
    for hours in (0, 30, 24 * 40):
        reminder_schedule.add(
            ScheduleEntry(message_id=gone, fiscal_code="X", at=NOW + timedelta(hours=hours))
        )
    reminder_schedule.add(ScheduleEntry(message_id=kept, fiscal_code="Y", at=NOW))
    assert reminder_schedule.forget([gone, _message_id()]) == 3
    assert reminder_schedule.forget([gone]) == 0
    assert [entry.message_id for entry in entries_of_hour(reminder_schedule, NOW)] == [kept]
    assert entries_of_hour(reminder_schedule, NOW + timedelta(hours=30)) == []


def test_claims_of_a_message_are_forgotten_whatever_their_state(reminder_claims):
    message_id, other = _message_id(), _message_id()
    sent = reminder_claims.claim(message_id, "UNREAD:1", NOW)
    reminder_claims.settle(sent, ClaimState.SENT)
    reminder_claims.claim(message_id, "PAYMENT:2", NOW)
    reminder_claims.claim(other, "UNREAD:1", NOW)
    assert reminder_claims.forget(message_id, ["UNREAD:1", "PAYMENT:2", "UNREAD:3"]) == 2
    assert reminder_claims.forget(message_id, ["UNREAD:1"]) == 0
    # Forgotten: the slot can be claimed afresh; the other message's is still held.
    assert reminder_claims.claim(message_id, "UNREAD:1", NOW).attempts == 1
    assert isinstance(reminder_claims.claim(other, "UNREAD:1", NOW), SlotBusy)


def test_a_messages_watch_is_forgotten_and_the_others_of_the_notice_stay(notice_watches):
    notice = f"01234567890:{uuid.uuid4().int % 10**18:018d}"
    gone, kept = _message_id(), _message_id()
    for message_id in (gone, kept):
        notice_watches.watch(
            NoticeWatch(id=message_id, payment_id=notice, fiscal_code="X", service_id="svc")
        )
    assert notice_watches.forget(notice, gone) is True
    assert notice_watches.forget(notice, gone) is False
    assert [watch.id for watch in notice_watches.watchers(notice)] == [kept]


def test_idempotency_records_naming_a_citizen_are_all_forgotten(idempotency_store):
    fiscal_code, other = random_fiscal_code(), random_fiscal_code()
    for owner in (fiscal_code, fiscal_code, other):
        idempotency_store.reserve(
            IdempotencyRecord(
                id=uuid.uuid4().hex,
                service_id="svc",
                request_hash="h",
                message_id=_message_id(),
                fiscal_code=owner,
                reserved_at=NOW,
            )
        )
    assert idempotency_store.forget_citizen(fiscal_code) == 2
    assert idempotency_store.forget_citizen(fiscal_code) == 0
    assert idempotency_store.forget_citizen(other) == 1


def test_an_erasure_record_is_kept_and_replaced_by_its_completion(erasure_log):
    started = ErasureRecord(
        id=str(uuid.uuid4()), citizen_hash="ab" * 16, ticket="T-1", requested_at=NOW
    )
    erasure_log.record(started)
    assert erasure_log.get(started.id) == started
    done = started.completed({ErasedKind.MESSAGES: 2}, NOW + timedelta(seconds=3))
    erasure_log.record(done)
    assert erasure_log.get(started.id) == done
    assert erasure_log.get(str(uuid.uuid4())) is None
