"""Keys' creation and last-use dates: set when issued, written at most once an hour per key
from the directory's reads, never failing a request."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.api_keys import KeySlot, hash_api_key
from shared.domain.errors import StorageUnavailableError
from shared.services.authenticate import authenticate
from shared.services.key_usage import KeyUsageRecorder, run_now
from shared.services.onboarding import create_service
from shared.services.service_admin import rotate_key, show_service
from shared.services.service_directory import CachedServiceDirectory
from tests.fakes import FakeApiKeyRepository, FakeClock, FakeServiceRepository

TTL = timedelta(seconds=10)


class FailingMarks(FakeApiKeyRepository):
    """Reads work; the last-use write always fails."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    def mark_used(self, key_hash, at):
        self.attempts += 1
        raise StorageUnavailableError("Cosmos DB answered 429")


class World:
    def __init__(self, api_keys: FakeApiKeyRepository | None = None) -> None:
        self.clock = FakeClock()
        self.services = FakeServiceRepository()
        self.api_keys = api_keys or FakeApiKeyRepository()
        self.submitted = 0
        created = create_service(
            name="Tributi",
            organization_name="Comune",
            organization_fiscal_code="01234567890",
            service_id="tributi",
            services=self.services,
            api_keys=self.api_keys,
            clock=self.clock,
        )
        self.key = created.primary_key
        self.directory = CachedServiceDirectory(
            api_keys=self.api_keys,
            services=self.services,
            clock=self.clock,
            ttl=TTL,
            usage=KeyUsageRecorder(api_keys=self.api_keys, submit=self._submit),
        )

    def _submit(self, work) -> None:
        self.submitted += 1
        run_now(work)

    def last_used(self):
        record = self.api_keys.get(hash_api_key(self.key))
        assert record is not None
        return record.last_used_at


def test_keys_carry_the_date_they_were_issued_and_none_of_use_yet():
    world = World()
    created_at = world.clock.now()
    world.clock.advance(days=1)
    rotated = rotate_key(
        "tributi",
        KeySlot.SECONDARY,
        services=world.services,
        api_keys=world.api_keys,
        clock=world.clock,
    )
    records = show_service("tributi", services=world.services, api_keys=world.api_keys)
    dates = {record.slot: record.created_at for record in records.key_records}
    assert dates == {KeySlot.PRIMARY: created_at, KeySlot.SECONDARY: world.clock.now()}
    assert all(record.last_used_at is None for record in records.key_records)
    assert rotated.slot is KeySlot.SECONDARY


def test_the_first_use_is_recorded_and_later_ones_within_the_hour_write_nothing():
    world = World()
    first_use = world.clock.now()
    authenticate(world.key, directory=world.directory)
    assert world.last_used() == first_use
    # Calls for the next hour: the cache answers, or the read finds a fresh date.
    for _ in range(30):
        world.clock.advance(minutes=1)
        authenticate(world.key, directory=world.directory)
    assert world.submitted == 1
    assert world.last_used() == first_use


def test_a_use_an_hour_after_the_last_recorded_one_is_recorded_again():
    world = World()
    authenticate(world.key, directory=world.directory)
    world.clock.advance(hours=1, seconds=1)
    authenticate(world.key, directory=world.directory)
    assert world.submitted == 2
    assert world.last_used() == world.clock.now()


def test_a_failing_last_use_write_never_fails_the_call_and_is_not_retried_within_the_hour(
    caplog,
):
    api_keys = FailingMarks()
    world = World(api_keys)
    for _ in range(5):
        assert authenticate(world.key, directory=world.directory).id == "tributi"
        world.clock.advance(seconds=TTL.total_seconds() + 1)
    assert api_keys.attempts == 1
    assert "not recorded" in caplog.text
    assert world.key not in caplog.text
    assert hash_api_key(world.key) not in caplog.text


@pytest.mark.parametrize(("minutes", "writes"), [(59, 1), (61, 2), (600, 10)])
def test_a_worker_writes_once_an_hour_even_when_the_store_keeps_an_old_date(minutes, writes):
    # GIVEN a store that never keeps the written date (another worker's view, or a lost write)
    class Forgetful(FakeApiKeyRepository):
        def mark_used(self, key_hash, at):
            pass

    world = World(Forgetful())
    # WHEN the key is used every minute (minutes 0, 1, ... minutes - 1)
    for _ in range(minutes):
        authenticate(world.key, directory=world.directory)
        world.clock.advance(minutes=1)
    # THEN this worker wrote at minutes 0, 60, 120, ...: once an hour
    assert world.submitted == writes
