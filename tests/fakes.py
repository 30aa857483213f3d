"""Hand-written fakes of the ports, for unit tests of the domain and use cases.

tests/contract/ runs the same behaviour checks against each fake and its real adapter,
so a fake cannot drift from what Cosmos DB and Azurite do.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import threading
import uuid
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, unquote, urlsplit

from shared.domain.api_keys import ApiKeyRecord
from shared.domain.attachments import MalwareScan, StoredBytes
from shared.domain.base64_text import Base64Text
from shared.domain.callbacks import (
    CallbackOutcome,
    Delivered,
    Refused,
    RetryLater,
    callback_url_errors,
)
from shared.domain.download_name import attachment_disposition
from shared.domain.erasure import ErasureRecord
from shared.domain.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    NotFoundError,
    PushDeliveryError,
    SealedSecretError,
    StorageUnavailableError,
)
from shared.domain.events import DeadEvent, EventRef
from shared.domain.idempotency import IdempotencyRecord
from shared.domain.message import Message, MessageStatus
from shared.domain.message_ref import MalformedQueueMessageError, MessageRef
from shared.domain.notice_watch import NoticeWatch
from shared.domain.payment import Payment, payment_id
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
    bucket_hour,
    bucket_id,
    busy,
    claim_id,
    may_take_over,
    shard_of,
)
from shared.domain.service import Service
from shared.domain.service_messages import ServiceMessageEntry, ServiceMessageFilter, StatusCounts


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeMessageRepository:
    """Keeps what Cosmos keeps, including the time of each item's last write (its _ts)."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.stored: dict[tuple[str, str], Message] = {}
        self.written_at: dict[tuple[str, str], datetime] = {}
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock.now() if self._clock else datetime.now(UTC)

    def _store(self, message: Message) -> Message:
        key = (message.fiscal_code, message.id)
        stored = message.model_copy(update={"version": uuid.uuid4().hex})
        self.stored[key] = stored
        self.written_at[key] = self._now()
        return stored

    def add(self, message: Message) -> Message:
        if (message.fiscal_code, message.id) in self.stored:
            raise AlreadyExistsError("a record with this id already exists")
        return self._store(message)

    def get(self, fiscal_code: str, message_id: str) -> Message | None:
        return self.stored.get((fiscal_code, message_id))

    def replace(self, message: Message) -> Message:
        if message.version is None:
            raise ValueError("replace needs a message read from the store (it has no version)")
        current = self.stored.get((message.fiscal_code, message.id))
        if current is None or current.version != message.version:
            raise ConcurrentUpdateError("the record changed since it was read")
        return self._store(message)

    def find(self, message_id: str) -> Message | None:
        return next((m for m in self.stored.values() if m.id == message_id), None)

    def stale_accepted(self, untouched_since: datetime, limit: int) -> list[Message]:
        # Cosmos's _ts has whole seconds: compare as it does.
        cutoff = int(untouched_since.timestamp())
        return [
            message
            for key, message in self.stored.items()
            if message.status is MessageStatus.ACCEPTED
            and int(self.written_at[key].timestamp()) < cutoff
        ][:limit]

    def due_outboxes(self, now: datetime, limit: int) -> list[Message]:
        # Compared in whole seconds, as the Cosmos adapter stores it.
        cutoff = int(now.timestamp())
        return [
            message
            for message in self.stored.values()
            if message.outbox_due_at is not None
            and int(message.outbox_due_at.timestamp()) <= cutoff
        ][:limit]

    def inbox(self, fiscal_code: str, *, before_id: str | None, limit: int) -> list[Message]:
        found = [
            message
            for (owner, message_id), message in self.stored.items()
            if owner == fiscal_code
            and message.status is MessageStatus.PROCESSED
            and (before_id is None or message_id < before_id)
        ]
        return sorted(found, key=lambda message: message.id, reverse=True)[:limit]

    def of_citizen(self, fiscal_code: str) -> list[Message]:
        return [message for (owner, _), message in self.stored.items() if owner == fiscal_code]

    def delete(self, fiscal_code: str, message_id: str) -> bool:
        self.written_at.pop((fiscal_code, message_id), None)
        return self.stored.pop((fiscal_code, message_id), None) is not None


class FakeProfileRepository:
    def __init__(self) -> None:
        self.stored: dict[str, Profile] = {}

    def get(self, fiscal_code: str) -> Profile | None:
        return self.stored.get(fiscal_code)

    def save(self, profile: Profile) -> None:
        self.stored[profile.fiscal_code] = profile

    def delete(self, fiscal_code: str) -> bool:
        return self.stored.pop(fiscal_code, None) is not None


class FakeServiceRepository:
    def __init__(self) -> None:
        self.stored: dict[str, Service] = {}
        self.deleted_ids: set[str] = set()

    def get(self, service_id: str) -> Service | None:
        return self.stored.get(service_id)

    def add(self, service: Service) -> None:
        if service.id in self.stored or service.id in self.deleted_ids:
            raise AlreadyExistsError("a record with this id already exists")
        self.stored[service.id] = service

    def replace(self, service: Service) -> None:
        if service.id not in self.stored:
            raise NotFoundError(f"no service with id {service.id}")
        self.stored[service.id] = service

    def list_all(self) -> list[Service]:
        return list(self.stored.values())

    def remove(self, service_id: str) -> bool:
        # The id stays taken, as Cosmos DB's tombstone keeps it.
        if self.stored.pop(service_id, None) is None:
            return False
        self.deleted_ids.add(service_id)
        return True


class FakeApiKeyRepository:
    def __init__(self) -> None:
        self.stored: dict[str, ApiKeyRecord] = {}

    def get(self, key_hash: str) -> ApiKeyRecord | None:
        return self.stored.get(key_hash)

    def add(self, record: ApiKeyRecord) -> None:
        if record.id in self.stored:
            raise AlreadyExistsError("a record with this id already exists")
        self.stored[record.id] = record

    def remove(self, key_hash: str) -> bool:
        return self.stored.pop(key_hash, None) is not None

    def for_service(self, service_id: str) -> list[ApiKeyRecord]:
        return [record for record in self.stored.values() if record.service_id == service_id]

    def mark_used(self, key_hash: str, at: datetime) -> None:
        record = self.stored.get(key_hash)
        if record is not None:
            self.stored[key_hash] = record.model_copy(update={"last_used_at": at})


class FakeMessageQueue:
    """`sent` is every reference ever sent; those not yet taken (as a host receives them)
    are waiting, with the time they were sent."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.sent: list[MessageRef] = []
        self.waiting: list[tuple[MessageRef, datetime]] = []
        self._clock = clock

    def send(self, ref: MessageRef) -> None:
        self.sent.append(ref)
        self.waiting.append((ref, self._clock.now() if self._clock else datetime.now(UTC)))

    def oldest_waiting(self) -> datetime | None:
        return min((at for _, at in self.waiting), default=None)

    def take_all(self) -> list[MessageRef]:
        """Receive every waiting reference, as a host does (tests)."""
        taken, self.waiting = [ref for ref, _ in self.waiting], []
        return taken


class FakeWindowCounter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.tokens: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def increment(self, key: str, ttl_seconds: int, by: int = 1) -> int:
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + by
            return self.counts[key]

    def count_once(self, key: str, ttl_seconds: int, *, token: str) -> int | None:
        with self._lock:
            tokens = self.tokens.setdefault(key, set())
            if token in tokens:
                return None
            tokens.add(token)
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]


class FakeIdempotencyStore:
    def __init__(self) -> None:
        self.stored: dict[str, IdempotencyRecord] = {}

    def reserve(self, record: IdempotencyRecord) -> tuple[IdempotencyRecord, bool]:
        if record.id in self.stored:
            return self.stored[record.id], False
        stored = record.model_copy(update={"version": uuid.uuid4().hex})
        self.stored[record.id] = stored
        return stored, True

    def forget_citizen(self, fiscal_code: str) -> int:
        naming = [key for key, record in self.stored.items() if record.fiscal_code == fiscal_code]
        for key in naming:
            del self.stored[key]
        return len(naming)


class FakePoisonQueue:
    """Raw texts, as the host copies them; taken ones hidden until deleted."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self._taken: set[str] = set()

    def put(self, text: str) -> str:
        queue_message_id = uuid.uuid4().hex
        self.texts[queue_message_id] = text
        return queue_message_id

    def _item(self, queue_message_id: str, *, receipt: str | None) -> PoisonedMessage:
        try:
            ref: MessageRef | None = MessageRef.from_json(self.texts[queue_message_id])
        except MalformedQueueMessageError:
            ref = None
        return PoisonedMessage(queue_message_id, ref, inserted_at=None, receipt=receipt)

    def peek(self, limit: int) -> list[PoisonedMessage]:
        ids = [i for i in self.texts if i not in self._taken][: min(limit, 32)]
        return [self._item(i, receipt=None) for i in ids]

    def take(self, limit: int, hold_seconds: int) -> list[PoisonedMessage]:
        ids = [i for i in self.texts if i not in self._taken][: min(limit, 32)]
        self._taken.update(ids)
        return [self._item(i, receipt=uuid.uuid4().hex) for i in ids]

    def delete(self, message: PoisonedMessage) -> None:
        self.texts.pop(message.queue_message_id, None)
        self._taken.discard(message.queue_message_id)

    def release(self, message: PoisonedMessage) -> None:
        self._taken.discard(message.queue_message_id)

    def approximate_count(self) -> int:
        return len(self.texts)


class FakeAttachmentStore:
    """Attachments in a dict. Its links name the blob and their expiry; `fetch` plays the
    citizen's browser following one."""

    LINK_PREFIX = "https://attachments.fake.invalid/"

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        # What malware scanning said of a blob (the tag Defender for Storage sets).
        self.scans: dict[str, MalwareScan] = {}

    def put(self, blob_name: str, base64_content: str | Base64Text) -> StoredBytes:
        data = base64.b64decode(Base64Text.of(base64_content).text(), validate=True)
        self.blobs[blob_name] = data
        return StoredBytes(size=len(data), sha256=hashlib.sha256(data).hexdigest())

    def read(self, blob_name: str) -> bytes | None:
        return self.blobs.get(blob_name)

    def scan_results_for(self, message_id: str) -> dict[str, MalwareScan]:
        return {
            name: self.scans.get(name, MalwareScan.NOT_SCANNED)
            for name in self.blobs
            if name.startswith(f"{message_id}/")
        }

    def delete_for(self, message_id: str) -> int:
        names = [name for name in self.blobs if name.startswith(f"{message_id}/")]
        for name in names:
            del self.blobs[name]
        return len(names)

    def download_url(
        self, blob_name: str, *, expires_at: datetime, file_name: str | None = None
    ) -> str:
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        expiry = quote(expires_at.astimezone(UTC).isoformat())
        url = f"{self.LINK_PREFIX}{quote(blob_name)}?se={expiry}&sp=r"
        if file_name is not None:
            # As a SAS carries it: the header a download answers with (`rscd`).
            url += f"&rscd={quote(attachment_disposition(file_name), safe='')}"
        return url

    @staticmethod
    def download_disposition(url: str) -> str | None:
        """The Content-Disposition a GET of `url` answers with (None: the blob's own)."""
        found = parse_qs(urlsplit(url).query).get("rscd")
        return found[0] if found else None

    def fetch(self, url: str, now: datetime) -> bytes | None:
        """The bytes a GET of `url` at `now` would download; None when the link is
        expired, not one of this store's, or its blob is gone."""
        if not url.startswith(self.LINK_PREFIX):
            return None
        parts = urlsplit(url)
        expiry = parse_qs(parts.query).get("se")
        if not expiry or now >= datetime.fromisoformat(expiry[0]):
            return None
        return self.blobs.get(unquote(parts.path.lstrip("/")))


class FakePaymentRepository:
    """One record per notice, each write giving it a new version, as Cosmos's etag."""

    def __init__(self) -> None:
        self.stored: dict[str, Payment] = {}
        self.reads = 0

    def get(self, payee_fiscal_code: str, notice_number: str) -> Payment | None:
        self.reads += 1
        return self.stored.get(payment_id(payee_fiscal_code, notice_number))

    def _store(self, payment: Payment) -> Payment:
        stored = payment.model_copy(update={"version": uuid.uuid4().hex})
        self.stored[payment.id] = stored
        return stored

    def add(self, payment: Payment) -> Payment:
        if payment.id in self.stored:
            raise AlreadyExistsError("a record with this id already exists")
        return self._store(payment)

    def replace(self, payment: Payment) -> Payment:
        if payment.version is None:
            raise ValueError("replace needs a payment read from the store (it has no version)")
        current = self.stored.get(payment.id)
        if current is None or current.version != payment.version:
            raise ConcurrentUpdateError("the record changed since it was read")
        return self._store(payment)


@dataclass
class _FakeBucket:
    hour: datetime
    entries: dict[str, ScheduleEntry] = field(default_factory=dict)
    drained: bool = False
    queued_until: datetime | None = None


class FakeReminderSchedule:
    """Entries in buckets of (hour, shard), as the Cosmos documents hold them."""

    def __init__(self, shards: int = 4) -> None:
        self.shards = shards
        self.buckets: dict[str, _FakeBucket] = {}
        self.reads = 0

    def _bucket_of(self, entry: ScheduleEntry) -> str:
        return bucket_id(entry.at, shard_of(entry.message_id, self.shards))

    def add(self, entry: ScheduleEntry) -> None:
        name = self._bucket_of(entry)
        bucket = self.buckets.setdefault(name, _FakeBucket(hour=bucket_hour(entry.at)))
        bucket.entries[entry.message_id] = entry.model_copy(update={"bucket": None})
        bucket.drained = False

    def move(self, old: ScheduleEntry, new: ScheduleEntry | None) -> None:
        home = old.bucket or self._bucket_of(old)
        if new is not None:
            self.add(new)
        if new is None or self._bucket_of(new) != home:
            bucket = self.buckets.get(home)
            if bucket is not None:
                bucket.entries.pop(old.message_id, None)

    def open_buckets(self, up_to: datetime) -> list[OpenBucket]:
        return [
            OpenBucket(bucket=name, hour=bucket.hour, queued_until=bucket.queued_until)
            for name, bucket in self.buckets.items()
            if bucket.hour <= bucket_hour(up_to) and not bucket.drained
        ]

    def mark_queued(self, bucket: str, until: datetime) -> None:
        if bucket in self.buckets:
            self.buckets[bucket].queued_until = until

    def bucket_entries(self, bucket: str) -> list[ScheduleEntry]:
        self.reads += 1
        found = self.buckets.get(bucket)
        if found is None:
            return []
        return [entry.model_copy(update={"bucket": bucket}) for entry in found.entries.values()]

    def finish(self, bucket: str, *, hour_over: bool) -> None:
        found = self.buckets.get(bucket)
        if found is None:
            return
        found.queued_until = None
        if hour_over and not found.entries:
            found.drained = True

    def entries(self, hour: datetime) -> list[ScheduleEntry]:
        """Every entry of `hour`, whatever its shard (for tests)."""
        return [
            entry
            for bucket in self.buckets.values()
            if bucket.hour == bucket_hour(hour)
            for entry in bucket.entries.values()
        ]

    def all_entries(self) -> list[ScheduleEntry]:
        return [entry for bucket in self.buckets.values() for entry in bucket.entries.values()]

    def all_entries_of(self, message_id: str) -> list[ScheduleEntry]:
        return [entry for entry in self.all_entries() if entry.message_id == message_id]

    def forget(self, message_ids: Collection[str]) -> int:
        forgotten = 0
        for bucket in self.buckets.values():
            for message_id in set(message_ids) & set(bucket.entries):
                del bucket.entries[message_id]
                forgotten += 1
        return forgotten


class FakeReminderWork:
    """The partitions queue: work items in the order queued."""

    def __init__(self) -> None:
        self.queued: list[ReminderPartition] = []

    def send(self, partition: ReminderPartition) -> None:
        self.queued.append(partition)


class FakeReminderClaims:
    """Claims by id, with the same takeover rules as the Cosmos container (and, as its
    conditional writes are, atomic across threads)."""

    def __init__(self) -> None:
        self.stored: dict[str, SlotClaim] = {}
        self._lock = threading.Lock()

    def claim(self, message_id: str, slot_key: str, now: datetime) -> SlotClaim | SlotBusy | None:
        key = claim_id(message_id, slot_key)
        with self._lock:
            current = self.stored.get(key)
            if current is not None and not may_take_over(current, now):
                return busy(current, now)
            claim = SlotClaim(
                id=key,
                state=ClaimState.CLAIMED,
                attempts=1 if current is None else current.attempts + 1,
                claimed_at=now,
                holder=uuid.uuid4().hex,
                version=uuid.uuid4().hex,
            )
            self.stored[key] = claim
            return claim

    def settle(self, claim: SlotClaim, state: ClaimState) -> None:
        self.stored[claim.id] = claim.model_copy(update={"state": state})

    def release(self, claim: SlotClaim) -> None:
        if claim.attempts <= 1:
            self.stored.pop(claim.id, None)
        else:
            self.stored[claim.id] = claim.model_copy(
                update={"state": ClaimState.RETRY, "attempts": claim.attempts - 1}
            )

    def forget(self, message_id: str, slot_keys: Collection[str]) -> int:
        ids = {claim_id(message_id, slot_key) for slot_key in slot_keys}
        return sum(self.stored.pop(key, None) is not None for key in ids)


class FakePushSender:
    """Records the pushes it is handed, in order. `fail_next(n, retryable=...)` makes the
    next n sends raise PushDeliveryError, as a push service that refuses or is away."""

    def __init__(self) -> None:
        self.sent: list[Push] = []
        self._failures: list[bool] = []

    def fail_next(self, times: int = 1, *, retryable: bool = True) -> None:
        self._failures += [retryable] * times

    def send(self, push: Push) -> None:
        if self._failures:
            retryable = self._failures.pop(0)
            raise PushDeliveryError("the push service refused the push", retryable=retryable)
        self.sent.append(push)

    def peek(self, limit: int) -> list[Push]:
        return self.sent[: min(limit, 32)]


class FakeEventQueue:
    """Keeps each reference sent with the delay it was sent with; `down` refuses sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[EventRef, timedelta]] = []
        self.down = False

    def send(self, ref: EventRef, *, delay: timedelta = timedelta(0)) -> None:
        if self.down:
            raise StorageUnavailableError("the events queue is unreachable")
        self.sent.append((ref, max(delay, timedelta(0))))

    @property
    def refs(self) -> list[EventRef]:
        return [ref for ref, _ in self.sent]


class FakeDeadEventStore:
    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], DeadEvent] = {}

    def put(self, dead: DeadEvent) -> None:
        self.stored[(dead.service_id, dead.id)] = dead

    def list_for(self, service_id: str, limit: int) -> list[DeadEvent]:
        found = [dead for (owner, _), dead in self.stored.items() if owner == service_id]
        return sorted(found, key=lambda dead: dead.dead_at)[:limit]

    def remove(self, service_id: str, event_id: str) -> bool:
        return self.stored.pop((service_id, event_id), None) is not None


class FakeCallbackSender:
    """Records each POST a URL may receive and answers it; refuses, before "connecting",
    what the real sender refuses (a URL it may not call), and `reachable = False` makes every
    POST a RetryLater (nothing listens).

    Unit tests script outcomes: `FakeCallbackSender(RetryLater(...), ...)`, then Delivered(204).
    The contract test plays the receiver instead, `answer(status, headers)`, and the fake turns
    the status into an outcome as the real sender does (tests/contract)."""

    def __init__(self, *outcomes: CallbackOutcome, allow_loopback_http: bool = False) -> None:
        self.outcomes = list(outcomes)
        self.posts: list[tuple[str, bytes, dict[str, str]]] = []
        self.reachable = True
        self._allow_loopback = allow_loopback_http
        self._answers: list[tuple[int, dict[str, str]]] = []

    def answer(self, status: int, headers: dict[str, str] | None = None) -> None:
        """The receiver's next answer, when no scripted outcome is left."""
        self._answers.append((status, headers or {}))

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> CallbackOutcome:
        errors = callback_url_errors(url, allow_loopback_http=self._allow_loopback)
        if errors:
            return Refused("the callback URL is refused: " + "; ".join(errors))
        if not self.reachable:
            return RetryLater("the connection failed (ConnectionRefusedError)")
        self.posts.append((url, body, {"Content-Type": "application/json", **headers}))
        if self.outcomes:
            return self.outcomes.pop(0)
        status, answered = self._answers.pop(0) if self._answers else (204, {})
        return _outcome_of(status, answered.get("Retry-After", ""))


def _outcome_of(status: int, retry_after: str) -> CallbackOutcome:
    why = f"the receiver answered HTTP {status}"
    if 200 <= status < 300:
        return Delivered(status)
    if status in {408, 429} or 500 <= status < 600:
        seconds = min(float(retry_after), 3600.0) if retry_after.isdigit() else None
        return RetryLater(why, seconds if status in {429, 503} else None)
    return Refused(why)


class FakeSecretBox:
    """Seals by tagging: the secret (hex) with the service id, a counter and a checksum under
    the box's key name. Opening with another key or for another service, or an altered text,
    raises SealedSecretError as the real box does."""

    def __init__(self, key: str = "fake-key") -> None:
        self._key = key
        self._count = 0

    def _checksum(self, payload: str) -> str:
        return hashlib.sha256(f"{self._key}|{payload}".encode()).hexdigest()[:16]

    def seal(self, secret: bytes, *, service_id: str) -> str:
        self._count += 1
        payload = f"{service_id}|{self._count}|{secret.hex()}"
        return f"{payload}|{self._checksum(payload)}"

    def open(self, sealed: str, *, service_id: str) -> bytes:
        payload, _, checksum = sealed.rpartition("|")
        owner, _, rest = payload.partition("|")
        if checksum != self._checksum(payload) or owner != service_id:
            raise SealedSecretError(f"a callback secret of service {service_id} does not open")
        return bytes.fromhex(rest.partition("|")[2])

    @staticmethod
    def sealed_for(service_id: str, secret: bytes) -> str:
        """`secret` as a default FakeSecretBox seals it for the service."""
        return FakeSecretBox().seal(secret, service_id=service_id)


# The dispatcher's tests only open: the same fake.
FakeSecretOpener = FakeSecretBox


class FakeNoticeWatches:
    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], NoticeWatch] = {}

    def watch(self, watch: NoticeWatch) -> None:
        self.stored[(watch.payment_id, watch.id)] = watch

    def watchers(self, payment_id: str) -> list[NoticeWatch]:
        return [watch for (owner, _), watch in self.stored.items() if owner == payment_id]

    def forget(self, payment_id: str, message_id: str) -> bool:
        return self.stored.pop((payment_id, message_id), None) is not None


class FakeErasureLog:
    def __init__(self) -> None:
        self.stored: dict[str, ErasureRecord] = {}

    def record(self, erasure: ErasureRecord) -> None:
        self.stored[erasure.id] = erasure

    def get(self, erasure_id: str) -> ErasureRecord | None:
        return self.stored.get(erasure_id)


class FakeServiceMessageIndex:
    """Keeps entries as the `service-messages` container does: one per (service, message id),
    an upsert replacing it whole; `failing` makes every put raise as an outage would."""

    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], ServiceMessageEntry] = {}
        self.failing = False

    def put(self, entry: ServiceMessageEntry) -> None:
        if self.failing:
            raise StorageUnavailableError("the index is unreachable")
        self.stored[(entry.service_id, entry.id)] = entry

    def page(self, where: ServiceMessageFilter, limit: int) -> list[ServiceMessageEntry]:
        found = [entry for entry in self.stored.values() if where.matches(entry)]
        return sorted(found, key=lambda entry: entry.id, reverse=True)[:limit]

    def count(self, where: ServiceMessageFilter) -> StatusCounts:
        everything = dataclasses.replace(where, status=None, before_id=None)
        found = [entry for entry in self.stored.values() if everything.matches(entry)]
        by_status = Counter(entry.status for entry in found)
        return StatusCounts(
            by_status=dict(by_status),
            read=sum(entry.read for entry in found),
            pushes=sum(entry.pushes for entry in found),
        )

    def notices(self, where: ServiceMessageFilter) -> list[tuple[str, str]]:
        everything = dataclasses.replace(where, status=None, before_id=None)
        found = {entry.notice for entry in self.stored.values() if everything.matches(entry)}
        return sorted(notice for notice in found if notice is not None)

    def remove(self, service_id: str, message_id: str) -> bool:
        return self.stored.pop((service_id, message_id), None) is not None
