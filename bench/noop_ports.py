"""Storage ports that do nothing, so a benchmark measures only the code around them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta

from shared.domain.api_keys import ApiKeyRecord, KeySlot
from shared.domain.attachments import MalwareScan, StoredBytes
from shared.domain.base64_text import Base64Text
from shared.domain.callbacks import CallbackOutcome, Delivered
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
    SlotClaim,
)
from shared.domain.service import Service


class FrozenClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


class NoopMessages:
    def add(self, message: Message) -> Message:
        return message

    def get(self, fiscal_code: str, message_id: str) -> Message | None:
        return None

    def replace(self, message: Message) -> Message:
        return message

    def find(self, message_id: str) -> Message | None:
        return None

    def stale_accepted(self, untouched_since: datetime, limit: int) -> list[Message]:
        return []

    def due_outboxes(self, now: datetime, limit: int) -> list[Message]:
        return []

    def inbox(self, fiscal_code: str, *, before_id: str | None, limit: int) -> list[Message]:
        return []

    def of_citizen(self, fiscal_code: str) -> list[Message]:
        return []

    def delete(self, fiscal_code: str, message_id: str) -> bool:
        return False


class NoopProfiles:
    def get(self, fiscal_code: str) -> Profile | None:
        return None

    def save(self, profile: Profile) -> None:
        return None

    def delete(self, fiscal_code: str) -> bool:
        return False


class OneService:
    """A service repository and key repository holding one service and one key."""

    def __init__(self, service: Service, key_hash: str) -> None:
        self.service = service
        self.record = ApiKeyRecord(id=key_hash, service_id=service.id, slot=KeySlot.PRIMARY)

    def get(self, identifier: str) -> Service | None:
        return self.service if identifier == self.service.id else None

    def add(self, service: Service) -> None:
        return None

    def replace(self, service: Service) -> None:
        return None

    def list_all(self) -> list[Service]:
        return [self.service]

    def remove(self, service_id: str) -> bool:
        return False


class OneKey:
    def __init__(self, record: ApiKeyRecord) -> None:
        self.record = record

    def get(self, key_hash: str) -> ApiKeyRecord | None:
        return self.record if key_hash == self.record.id else None

    def add(self, record: ApiKeyRecord) -> None:
        return None

    def remove(self, key_hash: str) -> bool:
        return False

    def for_service(self, service_id: str) -> list[ApiKeyRecord]:
        return [self.record] if service_id == self.record.service_id else []

    def mark_used(self, key_hash: str, at: datetime) -> None:
        return None


class NoopQueue:
    def send(self, ref: MessageRef) -> None:
        return None

    def oldest_waiting(self) -> datetime | None:
        return None


class NoopIdempotency:
    def reserve(self, record: IdempotencyRecord) -> tuple[IdempotencyRecord, bool]:
        return record.model_copy(update={"version": "v"}), True

    def forget_citizen(self, fiscal_code: str) -> int:
        return 0


class NoopPayments:
    def get(self, payee_fiscal_code: str, notice_number: str) -> Payment | None:
        return None

    def add(self, payment: Payment) -> Payment:
        return payment.model_copy(update={"version": "v"})

    def replace(self, payment: Payment) -> Payment:
        return payment.model_copy(update={"version": "v"})


class NoopAttachments:
    def put(self, blob_name: str, base64_content: str | Base64Text) -> StoredBytes:
        return StoredBytes(size=0, sha256="")

    def scan_results_for(self, message_id: str) -> dict[str, MalwareScan]:
        return {}

    def read(self, blob_name: str) -> bytes | None:
        return None

    def delete_for(self, message_id: str) -> int:
        return 0

    def download_url(
        self, blob_name: str, *, expires_at: datetime, file_name: str | None = None
    ) -> str:
        return ""


class FirstCallCounter:
    """Every call is the first of its window: the limit never bites."""

    def increment(self, key: str, ttl_seconds: int, by: int = 1) -> int:
        return by

    def count_once(self, key: str, ttl_seconds: int, *, token: str) -> int | None:
        return 1


class NoopPoison:
    def peek(self, limit: int) -> list[PoisonedMessage]:
        return []

    def take(self, limit: int, hold_seconds: int) -> list[PoisonedMessage]:
        return []

    def delete(self, message: PoisonedMessage) -> None:
        return None

    def release(self, message: PoisonedMessage) -> None:
        return None


class NoopPush:
    def send(self, push: Push) -> None:
        return None


class NoopSchedule:
    def add(self, entry: ScheduleEntry) -> None:
        return None

    def move(self, old: ScheduleEntry, new: ScheduleEntry | None) -> None:
        return None

    def open_buckets(self, up_to: datetime) -> list[OpenBucket]:
        return []

    def mark_queued(self, bucket: str, until: datetime) -> None:
        return None

    def bucket_entries(self, bucket: str) -> list[ScheduleEntry]:
        return []

    def finish(self, bucket: str, *, hour_over: bool) -> None:
        return None

    def forget(self, message_ids: Collection[str]) -> int:
        return 0


class NoopWork:
    def send(self, partition: ReminderPartition) -> None:
        return None


class NoopClaims:
    def claim(self, message_id: str, slot_key: str, now: datetime) -> SlotClaim | None:
        return None

    def settle(self, claim: SlotClaim, state: ClaimState) -> None:
        return None

    def release(self, claim: SlotClaim) -> None:
        return None

    def forget(self, message_id: str, slot_keys: Collection[str]) -> int:
        return 0


class NoopEvents:
    def send(self, ref: EventRef, *, delay: timedelta = timedelta(0)) -> None:
        return None


class NoopDeadEvents:
    def put(self, dead: DeadEvent) -> None:
        return None

    def list_for(self, service_id: str, limit: int) -> list[DeadEvent]:
        return []

    def remove(self, service_id: str, event_id: str) -> bool:
        return False


class NoopCallbacks:
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> CallbackOutcome:
        return Delivered(204)


class NoopSecrets:
    def open(self, sealed: str, *, service_id: str) -> bytes:
        return b""


class NoopWatches:
    def watch(self, watch: NoticeWatch) -> None:
        return None

    def watchers(self, payment_id: str) -> list[NoticeWatch]:
        return []

    def forget(self, payment_id: str, message_id: str) -> bool:
        return False
