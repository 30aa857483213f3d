"""The WindowCounter and IdempotencyStore contracts, for the fakes and Cosmos DB."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from shared.domain.idempotency import IdempotencyRecord


def _record(record_id: str | None = None, message_id: str = "m1") -> IdempotencyRecord:
    return IdempotencyRecord(
        id=record_id or uuid.uuid4().hex,
        service_id="svc-1",
        request_hash="h1",
        message_id=message_id,
        fiscal_code="RSSMRA80A01H501U",
        reserved_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
    )


def test_a_new_counter_starts_at_one_and_counts_up(window_counter):
    key = uuid.uuid4().hex
    assert [window_counter.increment(key, ttl_seconds=60) for _ in range(3)] == [1, 2, 3]


def test_a_counter_can_be_moved_by_a_block(window_counter):
    key = uuid.uuid4().hex
    assert window_counter.increment(key, ttl_seconds=60, by=10) == 10
    assert window_counter.increment(key, ttl_seconds=60, by=10) == 20


def test_counters_are_independent(window_counter):
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    window_counter.increment(first, ttl_seconds=60)
    assert window_counter.increment(second, ttl_seconds=60) == 1


def test_concurrent_increments_are_never_lost(window_counter):
    key = uuid.uuid4().hex
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: window_counter.increment(key, ttl_seconds=60), range(40)))
    assert sorted(counts) == list(range(1, 41))


def test_first_reservation_is_created_with_a_version(idempotency_store):
    stored, created = idempotency_store.reserve(_record())
    assert created
    assert stored.version


def test_second_reservation_of_the_same_id_returns_the_first(idempotency_store):
    record_id = uuid.uuid4().hex
    first, _ = idempotency_store.reserve(_record(record_id, message_id="first"))
    existing, created = idempotency_store.reserve(_record(record_id, message_id="second"))
    assert not created
    assert existing.message_id == "first"
    assert existing.version == first.version


def test_a_counter_counts_each_token_once(window_counter):
    key = uuid.uuid4().hex
    assert window_counter.count_once(key, ttl_seconds=60, token="run-1") == 1
    assert window_counter.count_once(key, ttl_seconds=60, token="run-1") is None
    assert window_counter.count_once(key, ttl_seconds=60, token="run-2") == 2
    assert window_counter.count_once(key, ttl_seconds=60, token="run-1") is None
    assert window_counter.count_once(uuid.uuid4().hex, ttl_seconds=60, token="run-1") == 1


def test_of_counts_made_at_once_each_token_counts_once(window_counter):
    key = uuid.uuid4().hex
    tokens = [f"run-{index % 4}" for index in range(16)]
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda token: window_counter.count_once(key, 60, token=token), tokens)
        )
    counted = sorted(result for result in results if result is not None)
    assert counted == [1, 2, 3, 4]
