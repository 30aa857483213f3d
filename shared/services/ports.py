"""The ports the use cases depend on. Each has one real adapter and one fake in the tests."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from shared.domain.api_keys import ApiKeyRecord
from shared.domain.attachments import MalwareScan, StoredBytes
from shared.domain.base64_text import Base64Text
from shared.domain.callbacks import CallbackOutcome
from shared.domain.erasure import ErasureRecord
from shared.domain.events import DeadEvent, EventRef
from shared.domain.idempotency import IdempotencyRecord
from shared.domain.message import Message
from shared.domain.message_ref import MessageRef
from shared.domain.notice_watch import NoticeWatch
from shared.domain.payment import Payment
from shared.domain.poison import PoisonedMessage
from shared.domain.profile import Profile
from shared.domain.push import Push
from shared.domain.reminder_schedule import (
    ClaimState,
    OpenBucket,
    ReminderPartition,
    ScheduleEntry,
    SlotBusy,
    SlotClaim,
)
from shared.domain.service import Service
from shared.domain.service_messages import ServiceMessageEntry, ServiceMessageFilter, StatusCounts


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class MessageRepository(Protocol):
    def add(self, message: Message) -> Message:
        """Store a new message and return it with its version.

        Raises AlreadyExistsError if a message with its id exists in its partition.
        """
        ...

    def get(self, fiscal_code: str, message_id: str) -> Message | None:
        """The message with this id in this recipient's partition, or None."""
        ...

    def replace(self, message: Message) -> Message:
        """Store a changed message if the stored one still has `message.version`.

        Raises ConcurrentUpdateError if it changed since it was read.
        """
        ...

    def find(self, message_id: str) -> Message | None:
        """The message with this id in any partition: a query across partitions (a read
        per physical partition), for operators and the status call by id alone.

        Raises StorageUnavailableError.
        """
        ...

    def stale_accepted(self, untouched_since: datetime, limit: int) -> list[Message]:
        """Up to `limit` messages still ACCEPTED and not written since `untouched_since`."""
        ...

    def due_outboxes(self, now: datetime, limit: int) -> list[Message]:
        """Up to `limit` messages holding an event whose `due_at` is at or before `now`
        (whole seconds), across all partitions. Raises StorageUnavailableError."""
        ...

    def inbox(self, fiscal_code: str, *, before_id: str | None, limit: int) -> list[Message]:
        """Up to `limit` PROCESSED messages of this citizen, newest (highest id) first, only
        those with an id below `before_id` when given (the next page after that id).

        Raises StorageUnavailableError.
        """
        ...

    def of_citizen(self, fiscal_code: str) -> list[Message]:
        """Every message of this citizen, whatever its status, in no particular order (a
        query within the partition; for erasure, not the hot path).

        Raises StorageUnavailableError.
        """
        ...

    def delete(self, fiscal_code: str, message_id: str) -> bool:
        """Delete the message; False if there was none. Raises StorageUnavailableError."""
        ...


class AttachmentStore(Protocol):
    """The bytes of Premium attachments, in a private Blob container."""

    def put(self, blob_name: str, base64_content: str | Base64Text) -> StoredBytes:
        """Decode canonical base64 a slice at a time and store the bytes at `blob_name`
        as application/pdf, replacing any blob there. Returns their size and SHA-256.

        Raises StorageUnavailableError.
        """
        ...

    def scan_results_for(self, message_id: str) -> dict[str, MalwareScan]:
        """What malware scanning says of each attachment of this message, by blob name (a
        blob without a result is NOT_SCANNED; a blob that is gone is left out).

        Raises StorageUnavailableError.
        """
        ...

    def read(self, blob_name: str) -> bytes | None:
        """The bytes stored at `blob_name`, or None (operators and tests; not the hot path)."""
        ...

    def delete_for(self, message_id: str) -> int:
        """Delete every attachment of this message; returns how many there were.

        Raises StorageUnavailableError.
        """
        ...

    def download_url(
        self, blob_name: str, *, expires_at: datetime, file_name: str | None = None
    ) -> str:
        """A read-only link to this one blob, good until `expires_at`; with `file_name`, its
        download says to save it under that name, sanitised (`Content-Disposition`,
        shared.domain.download_name).

        Raises StorageUnavailableError when the signing key cannot be had (identity only).
        """
        ...


class ProfileRepository(Protocol):
    def get(self, fiscal_code: str) -> Profile | None:
        """The citizen's profile, or None when they are not registered."""
        ...

    def save(self, profile: Profile) -> None:
        """Create or replace the citizen's profile."""
        ...

    def delete(self, fiscal_code: str) -> bool:
        """Delete the citizen's profile; False if there was none.

        Raises StorageUnavailableError.
        """
        ...


class ServiceRepository(Protocol):
    def get(self, service_id: str) -> Service | None:
        """The service with this id, or None."""
        ...

    def add(self, service: Service) -> None:
        """Store a new service. Raises AlreadyExistsError if the id is taken."""
        ...

    def replace(self, service: Service) -> None:
        """Store a changed service over the one with its id (the last write wins).

        Raises NotFoundError if there is no service with its id.
        """
        ...

    def list_all(self) -> list[Service]:
        """Every service, in no particular order (operators; not for the hot path)."""
        ...

    def remove(self, service_id: str) -> bool:
        """Delete the service with this id but keep the id taken: `get` and `list_all` no
        longer see it, and `add` with its id raises AlreadyExistsError (a new service must
        never inherit a deleted one's messages). False if there was none.
        """
        ...


class ApiKeyRepository(Protocol):
    def get(self, key_hash: str) -> ApiKeyRecord | None:
        """The key record whose id is this hash, or None."""
        ...

    def add(self, record: ApiKeyRecord) -> None:
        """Store a new key record. Raises AlreadyExistsError if the hash is taken."""
        ...

    def remove(self, key_hash: str) -> bool:
        """Delete the key record with this hash; False if there was none."""
        ...

    def for_service(self, service_id: str) -> list[ApiKeyRecord]:
        """The key records of this service, in no particular order (operators; not for the
        hot path)."""
        ...

    def mark_used(self, key_hash: str, at: datetime) -> None:
        """Set the record's last_used_at to `at`, leaving the rest as it is (a patch, not a
        replace: a rotation or revocation meanwhile is not undone); nothing if the record is
        gone. Raises StorageUnavailableError.
        """
        ...


class MessageQueue(Protocol):
    def send(self, ref: MessageRef) -> None:
        """Enqueue a reference to an accepted message for processing.

        Raises StorageUnavailableError (it may have been sent: a duplicate is harmless).
        """
        ...

    def oldest_waiting(self) -> datetime | None:
        """When the oldest reference still waiting to be received was inserted (about: the
        queue's front), or None when none waits. Received ones, even unfinished, do not
        count.

        Raises StorageUnavailableError.
        """
        ...


class EventQueue(Protocol):
    def send(self, ref: EventRef, *, delay: timedelta = timedelta(0)) -> None:
        """Enqueue a reference to a pending event for the dispatcher, visible after `delay`
        (at most 7 days).

        Raises StorageUnavailableError (it may have been sent: a duplicate is harmless).
        """
        ...


class DeadEventStore(Protocol):
    """Callback events given up on, per service, until an operator replays them."""

    def put(self, dead: DeadEvent) -> None:
        """Keep `dead` (writing it again changes nothing). Raises StorageUnavailableError."""
        ...

    def list_for(self, service_id: str, limit: int) -> list[DeadEvent]:
        """Up to `limit` dead events of the service, oldest first."""
        ...

    def remove(self, service_id: str, event_id: str) -> bool:
        """Forget a dead event (it was replayed); False if there was none."""
        ...


class CallbackSender(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> CallbackOutcome:
        """POST `body` to a service's callback URL: Delivered (2xx), RetryLater (a timeout,
        no connection, 408, 429, 5xx; with the receiver's Retry-After) or Refused (final:
        another 4xx, a redirect, a URL or address that may not be called). Never raises
        for the receiver's failures."""
        ...


class NoticeWatches(Protocol):
    def watch(self, watch: NoticeWatch) -> None:
        """Keep `watch` (writing it again changes nothing). Raises StorageUnavailableError."""
        ...

    def watchers(self, payment_id: str) -> list[NoticeWatch]:
        """The watches of one notice (a query within its partition).

        Raises StorageUnavailableError.
        """
        ...

    def forget(self, payment_id: str, message_id: str) -> bool:
        """Delete the message's watch of the notice; False if there was none.

        Raises StorageUnavailableError.
        """
        ...


class SecretOpener(Protocol):
    def open(self, sealed: str, *, service_id: str) -> bytes:
        """The secret sealed for `service_id` (a callback's signing secret).

        Raises SealedSecretError when it cannot be opened: sealed under another key or for
        another service, or altered.
        """
        ...


class SecretSealer(Protocol):
    def seal(self, secret: bytes, *, service_id: str) -> str:
        """`secret` encrypted for the service `service_id` (text to store), such that only
        SecretOpener.open with the same key and service id gives it back."""
        ...


class WindowCounter(Protocol):
    def increment(self, key: str, ttl_seconds: int, by: int = 1) -> int:
        """Add `by` to the counter `key` (created at 0 if absent) and return its new value.

        Atomic across processes. The counter may be forgotten after `ttl_seconds`.
        Raises StorageUnavailableError.
        """
        ...

    def count_once(self, key: str, ttl_seconds: int, *, token: str) -> int | None:
        """Add one to the counter `key` unless it was counted for `token` before (it keeps
        every token it was counted for); return its new value, or None when `token` had
        been counted. One write, atomic across processes. A lost reply is resolved inside:
        tried again, a token found counted gives None (whoever counted it).
        Raises StorageUnavailableError.
        """
        ...


class IdempotencyStore(Protocol):
    """One reservation per (service, Idempotency-Key), kept (never released) until it
    expires, so that every attempt of a request works on the message id it holds."""

    def reserve(self, record: IdempotencyRecord) -> tuple[IdempotencyRecord, bool]:
        """Store `record` unless its id is taken.

        Returns the stored record (with its version) and whether this call created it.
        Raises StorageUnavailableError, OutcomeUnknownError (it may have been stored).
        """
        ...

    def forget_citizen(self, fiscal_code: str) -> int:
        """Delete every record naming this recipient; returns how many. Records are keyed
        by (service, key), so this scans the whole store: for erasure only.

        Raises StorageUnavailableError.
        """
        ...


class PaymentRepository(Protocol):
    """Payments of notices, one record per (payee, notice number), never deleted; every
    change is conditional on the record's version."""

    def get(self, payee_fiscal_code: str, notice_number: str) -> Payment | None:
        """The payment record of this notice to this payee, with its version, or None (a
        point read).

        Raises StorageUnavailableError.
        """
        ...

    def add(self, payment: Payment) -> Payment:
        """Store the first record of a notice and return it with its version.

        Raises AlreadyExistsError if the notice has a record, StorageUnavailableError,
        OutcomeUnknownError (it may have been stored).
        """
        ...

    def replace(self, payment: Payment) -> Payment:
        """Store a changed record if the stored one still has `payment.version`; return it
        with its new version.

        Raises ConcurrentUpdateError if it changed since it was read (or is gone),
        StorageUnavailableError, OutcomeUnknownError (it may have been stored).
        """
        ...


class PoisonQueue(Protocol):
    def peek(self, limit: int) -> list[PoisonedMessage]:
        """Up to `limit` (at most 32) poisoned messages, without taking them."""
        ...

    def take(self, limit: int, hold_seconds: int) -> list[PoisonedMessage]:
        """Up to `limit` (at most 32) poisoned messages, hidden from others for
        `hold_seconds` unless deleted first."""
        ...

    def delete(self, message: PoisonedMessage) -> None:
        """Remove a message obtained with take()."""
        ...

    def release(self, message: PoisonedMessage) -> None:
        """Make a message obtained with take() visible again at once, as if never taken
        (one deleted meanwhile stays deleted). Raises StorageUnavailableError."""
        ...


class QueueDepth(Protocol):
    """A queue's size, for monitoring (the poison queue's, for a gauge)."""

    def approximate_count(self) -> int:
        """About how many messages it holds, taken ones included (0 if it does not exist).

        Raises StorageUnavailableError.
        """
        ...


class PushSender(Protocol):
    def send(self, push: Push) -> None:
        """Hand one push to the push service.

        Raises PushDeliveryError (retryable or not).
        """
        ...


class ReminderSchedule(Protocol):
    """Entries in buckets of (UTC hour, shard): when to look at a Premium message again."""

    def add(self, entry: ScheduleEntry) -> None:
        """Put `entry` in the bucket of its time, replacing the message's entry there (and
        opening the bucket again if it was drained).

        Raises StorageUnavailableError.
        """
        ...

    def move(self, old: ScheduleEntry, new: ScheduleEntry | None) -> None:
        """Replace `old` (taken out of `old.bucket` when it was read from one) by `new`
        (None: the message needs no more looking at).

        Raises StorageUnavailableError.
        """
        ...

    def open_buckets(self, up_to: datetime) -> list[OpenBucket]:
        """Every bucket of an hour up to `up_to`'s that is not drained, with its queue lease;
        no entry is read.

        Raises StorageUnavailableError.
        """
        ...

    def mark_queued(self, bucket: str, until: datetime) -> None:
        """Lease `bucket` to the work item just queued for it, until `until`.

        Raises StorageUnavailableError.
        """
        ...

    def bucket_entries(self, bucket: str) -> list[ScheduleEntry]:
        """Every entry in `bucket` (one point read), each knowing its bucket.

        Raises StorageUnavailableError.
        """
        ...

    def finish(self, bucket: str, *, hour_over: bool) -> None:
        """Lift `bucket`'s lease after its partition was worked; when `hour_over` and it
        holds no entry, mark it drained (unless an entry was added meanwhile).

        Raises StorageUnavailableError.
        """
        ...

    def forget(self, message_ids: Collection[str]) -> int:
        """Remove every entry of these messages, in whatever hour; returns how many. The
        hour of an entry is not known from its message, so this reads every bucket: for
        erasure only.

        Raises StorageUnavailableError.
        """
        ...


class ReminderWork(Protocol):
    """The queue of reminder partitions, worked by the ReminderPartition function."""

    def send(self, partition: ReminderPartition) -> None:
        """Queue one partition's work item. Raises StorageUnavailableError."""
        ...


class ReminderClaims(Protocol):
    """One claim per reminder slot, so that no two runs send the same reminder, and none is
    lost to a run that dies holding its claim (see shared.domain.reminder_schedule)."""

    def claim(self, message_id: str, slot_key: str, now: datetime) -> SlotClaim | SlotBusy | None:
        """The caller's claim on the slot: a new one, or one the caller took over (left to
        RETRY, or CLAIMED by a run gone for CLAIM_LEASE). SlotBusy when another run holds it
        and may still settle it; None when it is settled (sent, given up, out of attempts).
        A lost reply is resolved inside: a claim that landed unanswered is returned as ours.

        Raises StorageUnavailableError.
        """
        ...

    def settle(self, claim: SlotClaim, state: ClaimState) -> None:
        """Record the outcome of a claim (SENT, RETRY, GAVE_UP); `claim` is as claimed.

        Raises StorageUnavailableError.
        """
        ...

    def release(self, claim: SlotClaim) -> None:
        """Give the slot back unsent (it was held back), as if it had never been claimed.

        Raises StorageUnavailableError.
        """
        ...

    def forget(self, message_id: str, slot_keys: Collection[str]) -> int:
        """Delete the message's claims of these slots, whatever their state; returns how
        many there were. Raises StorageUnavailableError."""
        ...


class ErasureLog(Protocol):
    """The audit records of citizens' erasures (no personal data: see shared.domain.erasure)."""

    def record(self, erasure: ErasureRecord) -> None:
        """Create or replace the record with its id. Raises StorageUnavailableError."""
        ...

    def get(self, erasure_id: str) -> ErasureRecord | None:
        """The record with this id, or None (operators and tests).

        Raises StorageUnavailableError.
        """
        ...


class ServiceMessageIndex(Protocol):
    """Each service's index of the messages it sent, in the service's partition: a copy of
    the message documents' status for listings and counts (shared.domain.service_messages).
    The messages are the record; the index follows them (docs/reliability.md, "Each
    service's index of its messages")."""

    def put(self, entry: ServiceMessageEntry) -> None:
        """Create or replace the entry of its message: repeating it is harmless.

        Raises StorageUnavailableError (OutcomeUnknownError: it may have landed).
        """
        ...

    def page(self, where: ServiceMessageFilter, limit: int) -> list[ServiceMessageEntry]:
        """Up to `limit` entries matching `where`, newest (highest id) first, from the one
        partition of `where.service_id`. Raises StorageUnavailableError."""
        ...

    def count(self, where: ServiceMessageFilter) -> StatusCounts:
        """How many entries matching `where` (its status and keyset ignored) are in each
        status, how many are read, and the pushes sent of them (`paid` left None).
        Raises StorageUnavailableError."""
        ...

    def notices(self, where: ServiceMessageFilter) -> list[tuple[str, str]]:
        """The payment notices (payee, notice number) of the entries matching `where` (its
        status and keyset ignored), each once. Raises StorageUnavailableError."""
        ...

    def remove(self, service_id: str, message_id: str) -> bool:
        """Delete the entry of a message (e.g. when the message is erased); False when there
        was none. Raises StorageUnavailableError."""
        ...
