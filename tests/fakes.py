"""Hand-written fakes of the ports, for unit tests of the domain and use cases.

tests/contract/ runs the same behaviour checks against each fake and its real adapter,
so a fake cannot drift from what Cosmos DB and Azurite do.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from shared.domain.api_keys import ApiKeyRecord
from shared.domain.errors import AlreadyExistsError, ConcurrentUpdateError
from shared.domain.idempotency import IdempotencyRecord
from shared.domain.message import Message
from shared.domain.message_ref import MessageRef
from shared.domain.profile import Profile
from shared.domain.service import Service


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeMessageRepository:
    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], Message] = {}

    def add(self, message: Message) -> Message:
        key = (message.fiscal_code, message.id)
        if key in self.stored:
            raise AlreadyExistsError("a record with this id already exists")
        stored = message.model_copy(update={"version": uuid.uuid4().hex})
        self.stored[key] = stored
        return stored

    def get(self, fiscal_code: str, message_id: str) -> Message | None:
        return self.stored.get((fiscal_code, message_id))

    def replace(self, message: Message) -> Message:
        if message.version is None:
            raise ValueError("replace needs a message read from the store (it has no version)")
        key = (message.fiscal_code, message.id)
        current = self.stored.get(key)
        if current is None or current.version != message.version:
            raise ConcurrentUpdateError("the record changed since it was read")
        stored = message.model_copy(update={"version": uuid.uuid4().hex})
        self.stored[key] = stored
        return stored


class FakeProfileRepository:
    def __init__(self) -> None:
        self.stored: dict[str, Profile] = {}

    def get(self, fiscal_code: str) -> Profile | None:
        return self.stored.get(fiscal_code)

    def save(self, profile: Profile) -> None:
        self.stored[profile.fiscal_code] = profile


class FakeServiceRepository:
    def __init__(self) -> None:
        self.stored: dict[str, Service] = {}

    def get(self, service_id: str) -> Service | None:
        return self.stored.get(service_id)

    def add(self, service: Service) -> None:
        if service.id in self.stored:
            raise AlreadyExistsError("a record with this id already exists")
        self.stored[service.id] = service


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


class FakeMessageQueue:
    def __init__(self) -> None:
        self.sent: list[MessageRef] = []

    def send(self, ref: MessageRef) -> None:
        self.sent.append(ref)


class FakeWindowCounter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def increment(self, key: str, ttl_seconds: int) -> int:
        with self._lock:
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

    def replace(self, record: IdempotencyRecord) -> IdempotencyRecord:
        if record.version is None:
            raise ValueError("replace needs a record read from the store (it has no version)")
        current = self.stored.get(record.id)
        if current is None or current.version != record.version:
            raise ConcurrentUpdateError("the record changed since it was read")
        stored = record.model_copy(update={"version": uuid.uuid4().hex})
        self.stored[record.id] = stored
        return stored

    def release(self, record: IdempotencyRecord) -> None:
        if record.version is None:
            raise ValueError("release needs a record read from the store (it has no version)")
        current = self.stored.get(record.id)
        if current is not None and current.version == record.version:
            del self.stored[record.id]
