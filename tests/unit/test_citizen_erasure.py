"""A citizen's erasure: everything found from the fiscal code goes, payments stay, and an
interrupted erasure is finished by running it again."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.attachments import StoredAttachment
from shared.domain.erasure import ErasedKind
from shared.domain.errors import StorageUnavailableError, ValidationError
from shared.domain.idempotency import IdempotencyRecord
from shared.domain.message import Message, MessageContent, MessageStatus, Payee, PaymentData
from shared.domain.message_ref import MessageRef
from shared.domain.notice_watch import NoticeWatch
from shared.domain.payment import Payment, payment_id
from shared.domain.profile import Profile
from shared.domain.reminder_schedule import ScheduleEntry
from shared.domain.reminders import ReminderPolicy
from shared.domain.service_messages import entry_of
from shared.services.citizen_erasure import ErasurePorts, erase_citizen, possible_slot_keys
from shared.services.process_message import process_message
from tests.builders import FISCAL_CODE, MARKDOWN, OTHER_FISCAL_CODE, SUBJECT, a_message
from tests.fakes import (
    FakeAttachmentStore,
    FakeClock,
    FakeErasureLog,
    FakeIdempotencyStore,
    FakeMessageRepository,
    FakeNoticeWatches,
    FakePaymentRepository,
    FakeProfileRepository,
    FakeReminderClaims,
    FakeReminderSchedule,
    FakeServiceMessageIndex,
)
from tests.port_faults import REFUSED, FaultyPort

KEY = "citizen-hash-key-for-tests"
PAYEE = "01234567890"
NOTICE = "302000100000009424"


def _ports() -> ErasurePorts:
    return ErasurePorts(
        messages=FakeMessageRepository(),
        attachments=FakeAttachmentStore(),
        schedule=FakeReminderSchedule(),
        claims=FakeReminderClaims(),
        watches=FakeNoticeWatches(),
        idempotency=FakeIdempotencyStore(),
        profiles=FakeProfileRepository(),
        log=FakeErasureLog(),
        clock=FakeClock(),
        policy=ReminderPolicy(),
        index=FakeServiceMessageIndex(),
    )


def _processed_payment_message(message_id: str, fiscal_code: str = FISCAL_CODE) -> Message:
    now = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    content = MessageContent(
        subject=SUBJECT,
        markdown=MARKDOWN,
        due_date=now + timedelta(days=20),
        payment_data=PaymentData(amount=100, notice_number=NOTICE, payee=Payee(fiscal_code=PAYEE)),
    )
    message = a_message(message_id, fiscal_code, status=MessageStatus.PROCESSED)
    attachment = StoredAttachment(
        id="1",
        name="a.pdf",
        content_type="application/pdf",
        size=3,
        sha256="x",
        blob_name=f"{message_id}/0",
    )
    return message.model_copy(
        update={"content": content, "processed_at": now, "attachments": (attachment,)}
    )


def _citizen_with_everything(ports: ErasurePorts, fiscal_code: str, *ids: str) -> None:
    assert isinstance(ports.profiles, FakeProfileRepository)
    ports.profiles.save(Profile(fiscal_code=fiscal_code))
    for message_id in ids:
        message = _processed_payment_message(message_id, fiscal_code)
        ports.messages.add(message)
        assert ports.index is not None
        ports.index.put(entry_of(message))
        ports.attachments.put(f"{message_id}/0", "JVBERg==")
        ports.schedule.add(
            ScheduleEntry(message_id=message_id, fiscal_code=fiscal_code, at=ports.clock.now())
        )
        slot = possible_slot_keys(message, ports.policy)[0]
        ports.claims.claim(message_id, slot, ports.clock.now())
        ports.watches.watch(
            NoticeWatch(
                id=message_id,
                payment_id=payment_id(PAYEE, NOTICE),
                fiscal_code=fiscal_code,
                service_id="svc-1",
            )
        )
        ports.idempotency.reserve(
            IdempotencyRecord(
                id=f"key-{message_id}",
                service_id="svc-1",
                request_hash="h",
                message_id=message_id,
                fiscal_code=fiscal_code,
                reserved_at=ports.clock.now(),
            )
        )


def _holds_anything_of(ports: ErasurePorts, fiscal_code: str) -> list[str]:
    assert isinstance(ports.attachments, FakeAttachmentStore)
    assert isinstance(ports.schedule, FakeReminderSchedule)
    assert isinstance(ports.claims, FakeReminderClaims)
    assert isinstance(ports.watches, FakeNoticeWatches)
    assert isinstance(ports.idempotency, FakeIdempotencyStore)
    ids = {message.id for message in ports.messages.of_citizen(fiscal_code)}
    held = [f"message {message_id}" for message_id in ids]
    if ports.profiles.get(fiscal_code) is not None:
        held.append("profile")
    held += [
        f"entry {e.message_id}"
        for e in ports.schedule.all_entries()
        if e.fiscal_code == fiscal_code
    ]
    assert isinstance(ports.index, FakeServiceMessageIndex)
    held += [f"index {k[1]}" for k in ports.index.stored if k[1] in ids]
    held += [f"watch {w.id}" for w in ports.watches.stored.values() if w.fiscal_code == fiscal_code]
    held += [
        f"key {r.id}" for r in ports.idempotency.stored.values() if r.fiscal_code == fiscal_code
    ]
    return held


def test_erasure_deletes_everything_that_names_the_citizen_and_nothing_of_others():
    # GIVEN a citizen with two messages and all that hangs off them, and another citizen
    ports = _ports()
    _citizen_with_everything(
        ports, FISCAL_CODE, "01JCZ0000000000000000000AA", "01JCZ0000000000000000000AB"
    )
    _citizen_with_everything(ports, OTHER_FISCAL_CODE, "01JCZ0000000000000000000BB")
    # WHEN the first citizen is erased
    record = erase_citizen(FISCAL_CODE, ticket="GDPR-2026-17", hash_key=KEY, ports=ports)
    # THEN nothing of theirs is left, and the other citizen keeps everything
    assert _holds_anything_of(ports, FISCAL_CODE) == []
    assert isinstance(ports.attachments, FakeAttachmentStore)
    assert isinstance(ports.claims, FakeReminderClaims)
    assert sorted(ports.attachments.blobs) == ["01JCZ0000000000000000000BB/0"]
    assert [key for key in ports.claims.stored if key.startswith("01JCZ0000000000000000000A")] == []
    assert len(_holds_anything_of(ports, OTHER_FISCAL_CODE)) == 6
    assert isinstance(ports.index, FakeServiceMessageIndex)
    assert [key[1] for key in ports.index.stored] == ["01JCZ0000000000000000000BB"]
    assert record.counts == {
        ErasedKind.MESSAGES: 2,
        ErasedKind.ATTACHMENTS: 2,
        ErasedKind.REMINDER_SCHEDULE_ENTRIES: 2,
        ErasedKind.REMINDER_CLAIMS: 2,
        ErasedKind.NOTICE_WATCHES: 2,
        ErasedKind.INDEX_ENTRIES: 2,
        ErasedKind.IDEMPOTENCY_RECORDS: 2,
        ErasedKind.PROFILES: 1,
    }


def test_the_audit_record_and_the_logs_hold_no_fiscal_code(caplog):
    ports = _ports()
    _citizen_with_everything(ports, FISCAL_CODE, "01JCZ0000000000000000000AA")
    caplog.set_level(logging.DEBUG)
    record = erase_citizen(FISCAL_CODE, ticket="GDPR-2026-17", hash_key=KEY, ports=ports)
    assert record.id in caplog.text
    assert FISCAL_CODE not in caplog.text
    assert isinstance(ports.log, FakeErasureLog)
    stored = ports.log.stored[record.id]
    assert stored.completed_at is not None
    assert stored.ticket == "GDPR-2026-17"
    assert FISCAL_CODE not in stored.model_dump_json()
    assert len(stored.citizen_hash) == 32


def test_payments_of_the_citizens_notices_are_kept():
    # GIVEN a paid notice of the citizen's message: a fact of the payee's
    ports = _ports()
    payments = FakePaymentRepository()
    paid = Payment(
        id=payment_id(PAYEE, NOTICE),
        payee_fiscal_code=PAYEE,
        notice_number=NOTICE,
        paid_at=ports.clock.now(),
        recorded_at=ports.clock.now(),
    )
    payments.add(paid)
    _citizen_with_everything(ports, FISCAL_CODE, "01JCZ0000000000000000000AA")
    erase_citizen(FISCAL_CODE, ticket="T-1", hash_key=KEY, ports=ports)
    assert payments.get(PAYEE, NOTICE) is not None


def test_an_interrupted_erasure_is_finished_by_running_it_again():
    # GIVEN a citizen with three messages, and a message store that fails on the 2nd delete
    ports = _ports()
    ids = ["01JCZ0000000000000000000AA", "01JCZ0000000000000000000AB", "01JCZ0000000000000000000AC"]
    _citizen_with_everything(ports, FISCAL_CODE, *ids)
    real_messages = ports.messages
    faulty = FaultyPort(real_messages, "delete", [None, REFUSED])  # type: ignore[list-item]
    interrupted = dataclasses.replace(ports, messages=faulty)
    # WHEN the erasure is interrupted midway
    with pytest.raises(StorageUnavailableError):
        erase_citizen(FISCAL_CODE, ticket="T-1", hash_key=KEY, ports=interrupted)
    # THEN some is left, and its incomplete audit record says it did not finish
    assert _holds_anything_of(ports, FISCAL_CODE) != []
    assert isinstance(ports.log, FakeErasureLog)
    assert [r.completed_at for r in ports.log.stored.values()] == [None]
    # WHEN it is run again, THEN it finishes the work and records it
    record = erase_citizen(FISCAL_CODE, ticket="T-1", hash_key=KEY, ports=ports)
    assert _holds_anything_of(ports, FISCAL_CODE) == []
    assert isinstance(ports.attachments, FakeAttachmentStore)
    assert ports.attachments.blobs == {}
    assert record.completed_at is not None
    assert record.counts[ErasedKind.MESSAGES] == 2
    assert record.counts[ErasedKind.PROFILES] == 1


def test_erasing_a_citizen_with_nothing_held_completes_with_zero_counts():
    ports = _ports()
    record = erase_citizen(FISCAL_CODE, ticket="T-1", hash_key=KEY, ports=ports)
    assert set(record.counts.values()) == {0}
    assert record.completed_at is not None


@pytest.mark.parametrize(
    ("fiscal_code", "ticket", "pointer"),
    [
        ("RSSMRA80A01H501X", "T-1", "/fiscal_code"),
        (FISCAL_CODE, "", "/ticket"),
        (FISCAL_CODE, "has space", "/ticket"),
        (FISCAL_CODE, f"req-{OTHER_FISCAL_CODE}", "/ticket"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(fiscal_code, ticket, pointer):
    ports = _ports()
    _citizen_with_everything(ports, FISCAL_CODE, "01JCZ0000000000000000000AA")
    with pytest.raises(ValidationError) as raised:
        erase_citizen(fiscal_code, ticket=ticket, hash_key=KEY, ports=ports)
    assert [error.pointer for error in raised.value.errors] == [pointer]
    assert isinstance(ports.log, FakeErasureLog)
    assert ports.log.stored == {}
    assert ports.profiles.get(FISCAL_CODE) is not None


def test_a_message_in_flight_during_an_erasure_is_rejected_and_a_rerun_deletes_it():
    # GIVEN an erased citizen
    ports = _ports()
    _citizen_with_everything(ports, FISCAL_CODE, "01JCZ0000000000000000000AA")
    erase_citizen(FISCAL_CODE, ticket="T-1", hash_key=KEY, ports=ports)
    # WHEN a message accepted meanwhile is processed
    late = ports.messages.add(a_message("01JCZ0000000000000000000AZ", FISCAL_CODE))
    status = process_message(
        MessageRef(message_id=late.id, fiscal_code=FISCAL_CODE),
        messages=ports.messages,
        profiles=ports.profiles,
        attachments=ports.attachments,
        clock=ports.clock,
        rejected_retention_seconds=3600,
    )
    # THEN it is rejected (no profile), and erasing again deletes it
    assert status is MessageStatus.REJECTED
    record = erase_citizen(FISCAL_CODE, ticket="T-1", hash_key=KEY, ports=ports)
    assert record.counts[ErasedKind.MESSAGES] == 1
    assert ports.messages.of_citizen(FISCAL_CODE) == []
