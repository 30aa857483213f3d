"""Premium attachments through the use cases: stored at acceptance under the message id,
described on the message, deleted when it ends REJECTED or FAILED, never orphaned."""

from __future__ import annotations

import hashlib
import json

import pytest

from shared.domain.attachments import MAX_ATTACHMENT_BYTES
from shared.domain.errors import (
    ForbiddenError,
    IdempotencyMismatchError,
    MessageMaybeStoredError,
    PayloadTooLargeError,
    StorageUnavailableError,
    TooLargeContentError,
    ValidationError,
)
from shared.domain.message import FailureReason, MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.domain.profile import Profile
from shared.domain.service import Tier
from shared.services.create_message import create_message
from shared.services.process_message import fail_message, process_message
from shared.services.redrive import RedriveOutcome, redrive_poisoned
from shared.services.sweep_accepted import sweep_accepted
from tests.builders import (
    FISCAL_CODE,
    a_pdf,
    a_service,
    an_attachment,
    message_body,
    premium_message_json,
)
from tests.fakes import (
    FakeAttachmentStore,
    FakeClock,
    FakeIdempotencyStore,
    FakeMessageQueue,
    FakeMessageRepository,
    FakePoisonQueue,
    FakeProfileRepository,
)
from tests.port_faults import LOST, REFUSED, FaultyPort

PREMIUM = a_service(tier=Tier.PREMIUM)
RETENTION = 3600


class Ports:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.messages = FakeMessageRepository(self.clock)
        self.queue = FakeMessageQueue()
        self.idempotency = FakeIdempotencyStore()
        self.attachments = FakeAttachmentStore()
        self.profiles = FakeProfileRepository()

    def create(self, body: bytes, *, service=PREMIUM, key: str | None = None):
        return create_message(
            service,
            *validate_new_message(FISCAL_CODE, body),
            idempotency_key=key,
            messages=self.messages,
            queue=self.queue,
            idempotency=self.idempotency,
            attachments=self.attachments,
            clock=self.clock,
        )

    def process(self, message_id: str):
        return process_message(
            MessageRef(message_id=message_id, fiscal_code=FISCAL_CODE),
            messages=self.messages,
            profiles=self.profiles,
            attachments=self.attachments,
            clock=self.clock,
            rejected_retention_seconds=RETENTION,
        )


@pytest.fixture
def ports() -> Ports:
    return Ports()


class BrokenStore(FakeAttachmentStore):
    """Stores the first attachment, then storage goes away."""

    def put(self, blob_name, base64_content):
        if self.blobs:
            raise StorageUnavailableError("blob storage is unreachable")
        return super().put(blob_name, base64_content)


# --- acceptance ----------------------------------------------------------------------------


def test_attachments_are_stored_under_the_message_id_and_described_on_the_message(ports):
    # GIVEN a Premium service sending two PDFs
    first, second = a_pdf(marker=b"first"), a_pdf(marker=b"second")
    body = premium_message_json(
        an_attachment(first, name="../avviso TARI.pdf"), an_attachment(second, name="bolletta")
    )
    # WHEN it is accepted
    message = ports.create(body).message
    # THEN the bytes are stored under names that carry only the message id
    assert ports.attachments.blobs == {f"{message.id}/0": first, f"{message.id}/1": second}
    assert [(a.id, a.name, a.size, a.sha256, a.content_type) for a in message.attachments] == [
        ("0", "avviso TARI.pdf", len(first), hashlib.sha256(first).hexdigest(), "application/pdf"),
        ("1", "bolletta.pdf", len(second), hashlib.sha256(second).hexdigest(), "application/pdf"),
    ]
    # AND neither the stored message nor the queue carries the bytes
    stored = ports.messages.get(FISCAL_CODE, message.id)
    assert "attachments" not in stored.content.model_dump()
    assert ports.queue.sent == [MessageRef(message_id=message.id, fiscal_code=FISCAL_CODE)]


def test_a_basic_service_may_not_attach_files(ports):
    with pytest.raises(ForbiddenError, match="Premium") as refused:
        ports.create(premium_message_json(an_attachment()), service=a_service())
    assert refused.value.pointer == "/feature_level_type"
    standard = json.loads(premium_message_json(an_attachment()))
    standard["feature_level_type"] = "STANDARD"
    with pytest.raises(ForbiddenError, match="Premium") as refused:
        ports.create(json.dumps(standard).encode(), service=a_service())
    assert refused.value.pointer == "/content/attachments"
    assert ports.attachments.blobs == {}


def test_a_premium_service_must_send_attachments_as_advanced(ports):
    standard = json.loads(premium_message_json(an_attachment()))
    standard["feature_level_type"] = "STANDARD"
    with pytest.raises(ForbiddenError, match="ADVANCED"):
        ports.create(json.dumps(standard).encode())
    assert ports.attachments.blobs == {}


def test_bytes_that_are_not_a_pdf_are_refused_whatever_their_name(ports):
    image = an_attachment(b"GIF89a not a pdf at all", name="avviso.pdf")
    with pytest.raises(ValidationError) as refused:
        ports.create(premium_message_json(an_attachment(), image))
    assert [(e.code, e.pointer) for e in refused.value.errors] == [
        ("not_a_pdf", "/content/attachments/1/content")
    ]
    assert ports.attachments.blobs == {}
    assert ports.messages.stored == {}


def test_bad_base64_is_refused_naming_the_attachment(ports):
    broken = {**an_attachment(), "content": "JVBERi0x%%%"}
    with pytest.raises(ValidationError) as refused:
        ports.create(premium_message_json(broken))
    assert [(e.code, e.pointer) for e in refused.value.errors] == [
        ("invalid_base64", "/content/attachments/0/content")
    ]


def test_an_oversize_attachment_is_a_too_large_error_naming_it(ports):
    big = a_pdf(padding=MAX_ATTACHMENT_BYTES)
    with pytest.raises(TooLargeContentError) as refused:
        ports.create(premium_message_json(an_attachment(), an_attachment(big)))
    assert [(e.code, e.pointer) for e in refused.value.errors] == [
        ("too_large", "/content/attachments/1/content")
    ]
    assert ports.attachments.blobs == {}


def test_a_content_type_other_than_pdf_is_refused(ports):
    word = {**an_attachment(), "content_type": "application/msword"}
    with pytest.raises(ValidationError) as refused:
        ports.create(premium_message_json(word))
    assert [e.pointer for e in refused.value.errors] == ["/content/attachments/0/content_type"]


def test_the_message_without_its_attachments_is_still_limited_to_256_kib(ports):
    body = message_body(feature_level_type="ADVANCED", padding="x" * 300_000)
    body["content"]["attachments"] = [an_attachment()]
    with pytest.raises(PayloadTooLargeError):
        ports.create(json.dumps(body).encode())


def test_an_attachment_may_make_the_body_larger_than_256_kib(ports):
    large = a_pdf(padding=400_000)
    message = ports.create(premium_message_json(an_attachment(large))).message
    assert message.attachments[0].size == len(large)


# --- no orphans ----------------------------------------------------------------------------


def test_a_storage_failure_midway_without_a_key_leaves_no_attachment(ports):
    ports.attachments = BrokenStore()
    body = premium_message_json(an_attachment(), an_attachment())
    with pytest.raises(StorageUnavailableError):
        ports.create(body)
    assert ports.attachments.blobs == {}
    assert ports.messages.stored == {}


def test_a_storage_failure_midway_with_a_key_keeps_the_blobs_for_the_retry(ports):
    # GIVEN a keyed attempt that stored one of two attachments and failed on the second
    broken = BrokenStore()
    ports.attachments = broken
    body = premium_message_json(an_attachment(), an_attachment())
    with pytest.raises(StorageUnavailableError):
        ports.create(body, key="campaign-1/row-7")
    # THEN nothing another attempt with the key may rely on was deleted
    assert len(broken.blobs) == 1
    assert ports.messages.stored == {}
    # WHEN the retry runs on a working store, it writes under the same names
    (reservation,) = ports.idempotency.stored.values()
    ports.attachments = FakeAttachmentStore()
    message = ports.create(body, key="campaign-1/row-7").message
    assert message.id == reservation.message_id
    assert sorted(ports.attachments.blobs) == [f"{message.id}/0", f"{message.id}/1"]


def test_a_record_write_surely_not_done_deletes_the_stored_attachments(ports):
    ports.messages = FaultyPort(ports.messages, "add", [REFUSED])
    with pytest.raises(StorageUnavailableError, match="not stored"):
        ports.create(premium_message_json(an_attachment()))
    assert ports.attachments.blobs == {}


def test_a_record_write_that_may_have_landed_keeps_its_attachments(ports):
    ports.messages = FaultyPort(ports.messages, "add", [LOST, REFUSED])
    with pytest.raises(MessageMaybeStoredError) as caught:
        ports.create(premium_message_json(an_attachment()))
    stored = ports.messages.get(FISCAL_CODE, caught.value.message_id)
    assert [a.blob_name for a in stored.attachments] == list(ports.attachments.blobs)


def test_a_failed_enqueue_keeps_the_message_and_its_attachments(ports):
    ports.queue = FaultyPort(ports.queue, "send", [REFUSED])
    accepted = ports.create(premium_message_json(an_attachment()))
    assert not accepted.queued
    assert ports.messages.get(FISCAL_CODE, accepted.message.id) is not None
    assert list(ports.attachments.blobs) == [f"{accepted.message.id}/0"]


def test_a_retried_acceptance_writes_over_the_same_blobs(ports):
    # GIVEN a keyed request that stored its attachments and could not write its record
    body = premium_message_json(an_attachment(), an_attachment())
    ports.messages = FaultyPort(ports.messages, "add", [REFUSED])
    with pytest.raises(StorageUnavailableError):
        ports.create(body, key="k-1")
    left = dict(ports.attachments.blobs)
    # WHEN the caller retries with the same key
    message = ports.create(body, key="k-1").message
    # THEN the retry took the same message id and wrote over the same blobs
    assert sorted(left) == [f"{message.id}/0", f"{message.id}/1"]
    assert sorted(ports.attachments.blobs) == sorted(left)


def test_the_same_request_replayed_stores_nothing_again(ports):
    body = premium_message_json(an_attachment())
    first = ports.create(body, key="k-2")
    ports.attachments.blobs.clear()
    again = ports.create(body, key="k-2")
    assert (again.replayed, again.message.id) == (True, first.message.id)
    assert ports.attachments.blobs == {}


def test_the_same_key_with_other_attachment_bytes_is_a_different_request(ports):
    ports.create(premium_message_json(an_attachment(a_pdf(marker=b"one"))), key="k-3")
    with pytest.raises(IdempotencyMismatchError):
        ports.create(premium_message_json(an_attachment(a_pdf(marker=b"two"))), key="k-3")


# --- the end of a message ------------------------------------------------------------------


def test_a_processed_message_keeps_its_attachments(ports):
    ports.profiles.save(Profile(fiscal_code=FISCAL_CODE))
    message = ports.create(premium_message_json(an_attachment())).message
    assert ports.process(message.id) is MessageStatus.PROCESSED
    assert list(ports.attachments.blobs) == [f"{message.id}/0"]


def test_a_rejected_message_loses_its_attachments(ports):
    message = ports.create(premium_message_json(an_attachment(), an_attachment())).message
    assert ports.process(message.id) is MessageStatus.REJECTED  # nobody registered
    assert ports.attachments.blobs == {}


def test_attachments_that_could_not_be_deleted_are_deleted_by_the_retry(ports):
    message = ports.create(premium_message_json(an_attachment())).message
    store = ports.attachments
    delete_for = store.delete_for
    store.delete_for = lambda message_id: (_ for _ in ()).throw(StorageUnavailableError("down"))
    with pytest.raises(StorageUnavailableError):
        ports.process(message.id)
    assert ports.messages.get(FISCAL_CODE, message.id).status is MessageStatus.REJECTED
    store.delete_for = delete_for
    assert ports.process(message.id) is MessageStatus.REJECTED
    assert store.blobs == {}


def test_a_message_failed_on_its_last_attempt_loses_its_attachments(ports):
    message = ports.create(premium_message_json(an_attachment())).message
    status = fail_message(
        MessageRef(message_id=message.id, fiscal_code=FISCAL_CODE),
        FailureReason.RETRIES_EXHAUSTED,
        messages=ports.messages,
        attachments=ports.attachments,
        clock=ports.clock,
    )
    assert status is MessageStatus.FAILED
    assert ports.attachments.blobs == {}


def test_a_message_failed_by_the_sweeper_loses_its_attachments(ports):
    message = ports.create(premium_message_json(an_attachment())).message
    ports.clock.advance(seconds=60)
    report = sweep_accepted(
        messages=ports.messages,
        queue=ports.queue,
        attachments=ports.attachments,
        clock=ports.clock,
        grace_seconds=10,
        max_redeliveries=0,
    )
    assert report.failed == 1
    assert ports.messages.get(FISCAL_CODE, message.id).status is MessageStatus.FAILED
    assert ports.attachments.blobs == {}


def test_a_failed_message_whose_attachments_were_deleted_is_not_redriven(ports):
    # GIVEN a FAILED message with attachments, its reference in the poison queue
    message = ports.create(premium_message_json(an_attachment())).message
    ref = MessageRef(message_id=message.id, fiscal_code=FISCAL_CODE)
    fail_message(
        ref,
        FailureReason.RETRIES_EXHAUSTED,
        messages=ports.messages,
        attachments=ports.attachments,
        clock=ports.clock,
    )
    poison = FakePoisonQueue()
    poison.put(ref.to_json())
    ports.queue.sent.clear()
    # WHEN an operator redrives it
    (result,) = redrive_poisoned(
        poison=poison, queue=ports.queue, messages=ports.messages, clock=ports.clock
    )
    # THEN it stays FAILED (its PDFs are gone; the sender must send it again)
    assert result.outcome is RedriveOutcome.ATTACHMENTS_DELETED
    assert ports.messages.get(FISCAL_CODE, message.id).status is MessageStatus.FAILED
    assert ports.queue.sent == []
    assert poison.texts == {}


def test_attachment_bytes_round_trip_through_base64(ports):
    data = bytes(range(256)) * 40
    pdf = b"%PDF-1.4\n" + data + b"\n%%EOF"
    message = ports.create(premium_message_json(an_attachment(pdf))).message
    assert ports.attachments.read(message.attachments[0].blob_name) == pdf
