"""Bad API keys cost no store read: a value not shaped like a key is refused without a
look-up, an unknown key is remembered for the cache's time (in bounded memory), and an
address that keeps failing is throttled with 429 before any look-up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.api_keys import (
    API_KEY_PATTERN,
    ApiKeyRecord,
    KeySlot,
    generate_api_key,
    hash_api_key,
    is_well_formed_api_key,
)
from shared.domain.errors import AuthenticationError, RateLimitedError, StorageUnavailableError
from shared.services.auth_failure_throttle import (
    FAILURE_LIMIT,
    AuthThrottledError,
    FailedAuthThrottle,
)
from shared.services.authenticate import authenticate
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import a_service
from tests.fakes import FakeApiKeyRepository, FakeClock, FakeServiceRepository
from tests.port_faults import REFUSED, FaultyPort

TTL = timedelta(seconds=10)
ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "203.0.113.8"


class CountingKeys(FakeApiKeyRepository):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, key_hash: str) -> ApiKeyRecord | None:
        self.reads += 1
        return super().get(key_hash)


class World:
    def __init__(self, *, max_misses: int = 100, limit: int = FAILURE_LIMIT) -> None:
        self.clock = FakeClock()
        self.keys = CountingKeys()
        self.services = FakeServiceRepository()
        self.services.add(a_service("svc-1"))
        self.key = generate_api_key()
        self.keys.add(
            ApiKeyRecord(id=hash_api_key(self.key), service_id="svc-1", slot=KeySlot.PRIMARY)
        )
        self.directory = CachedServiceDirectory(
            api_keys=self.keys,
            services=self.services,
            clock=self.clock,
            ttl=TTL,
            max_misses=max_misses,
        )
        self.throttle = FailedAuthThrottle(clock=self.clock, limit=limit, window_seconds=60)

    def auth(self, key: str | None, address: str | None = ADDRESS):
        return authenticate(key, directory=self.directory, throttle=self.throttle, caller=address)

    def refused(self, key: str | None, address: str | None = ADDRESS) -> type[Exception]:
        with pytest.raises((AuthenticationError, RateLimitedError)) as caught:
            self.auth(key, address)
        return type(caught.value)


@pytest.fixture
def world() -> World:
    return World()


# --- the key's shape -----------------------------------------------------------------------


def test_every_generated_key_has_the_documented_shape():
    assert API_KEY_PATTERN == "^[0-9a-f]{32}$"
    assert all(is_well_formed_api_key(generate_api_key()) for _ in range(100))


@pytest.mark.parametrize(
    "value",
    [
        "key",
        "0" * 31,
        "0" * 33,
        "A" * 32,  # keys are lowercase: an uppercase one hashes to nothing stored
        "g" * 32,
        "0" * 32 + "\n",
        " " + "0" * 31,
        "0" * 10_000,
        "é" * 32,
    ],
)
def test_a_value_not_shaped_like_a_key_is_refused_without_a_look_up(world, value):
    with pytest.raises(AuthenticationError) as caught:
        world.auth(value)
    assert "32 lowercase hexadecimal characters" in str(caught.value)
    assert world.keys.reads == 0


def test_a_valid_key_still_authenticates(world):
    assert world.auth(world.key).id == "svc-1"


# --- remembered misses ---------------------------------------------------------------------


def test_an_unknown_key_is_looked_up_once_per_cache_time(world):
    unknown = generate_api_key()
    for _ in range(5):
        world.refused(unknown, address=None)
    assert world.keys.reads == 1
    world.clock.advance(seconds=TTL.total_seconds())
    world.refused(unknown, address=None)
    assert world.keys.reads == 2


def test_remembered_misses_are_bounded_and_the_oldest_go_first():
    world = World(max_misses=3)
    unknown = [generate_api_key() for _ in range(4)]
    for key in unknown:
        world.refused(key, address=None)
    assert world.keys.reads == 4
    world.refused(unknown[3], address=None)  # still remembered
    assert world.keys.reads == 4
    world.refused(unknown[0], address=None)  # forgotten to make room: read again
    assert world.keys.reads == 5


def test_a_store_failure_is_not_remembered_as_a_miss(world):
    # GIVEN a look-up refused by the store
    keys = FaultyPort(world.keys, "get", [REFUSED])
    directory = CachedServiceDirectory(
        api_keys=keys, services=world.services, clock=world.clock, ttl=TTL
    )
    key_hash = hash_api_key(world.key)
    with pytest.raises(StorageUnavailableError):
        directory.owner_of(key_hash)
    # WHEN the key is presented again at once, THEN it is looked up and found
    owner = directory.owner_of(key_hash)
    assert owner is not None
    assert owner.service.id == "svc-1"


# --- the throttle --------------------------------------------------------------------------


def test_an_address_that_keeps_failing_gets_429_with_retry_after_and_no_look_up(world):
    # GIVEN an address whose calls failed to authenticate FAILURE_LIMIT times
    for _ in range(FAILURE_LIMIT):
        assert world.refused(generate_api_key()) is AuthenticationError
    reads = world.keys.reads
    world.clock.advance(seconds=15)
    # WHEN it calls again with another unknown key
    with pytest.raises(AuthThrottledError) as caught:
        world.auth(generate_api_key())
    # THEN it is refused with 429 until its window ends, and nothing is looked up
    assert caught.value.retry_after == 45
    assert caught.value.headers["RateLimit-Policy"] == f"{FAILURE_LIMIT};w=60"
    assert caught.value.headers["RateLimit-Remaining"] == "0"
    assert world.keys.reads == reads


def test_the_throttle_lifts_when_the_window_ends(world):
    for _ in range(FAILURE_LIMIT):
        world.refused(generate_api_key())
    world.clock.advance(seconds=60)
    assert world.refused(generate_api_key()) is AuthenticationError


def test_other_addresses_are_not_throttled(world):
    for _ in range(FAILURE_LIMIT):
        world.refused(generate_api_key())
    assert world.refused(generate_api_key(), address=OTHER_ADDRESS) is AuthenticationError
    assert world.refused(generate_api_key()) is AuthThrottledError


def test_a_key_the_worker_knows_still_works_from_a_throttled_address(world):
    # GIVEN a valid key in use from an address another client there keeps failing from
    world.auth(world.key)
    for _ in range(FAILURE_LIMIT):
        world.refused(generate_api_key())
    # THEN the known key still works, and a key needing a look-up waits
    assert world.auth(world.key).id == "svc-1"
    other = World()
    other.throttle = world.throttle
    assert other.refused(other.key) is AuthThrottledError


def test_missing_and_malformed_keys_are_refused_at_once_and_do_not_count(world):
    # They cost no look-up: throttling them would only put the address's other clients at
    # risk.
    for _ in range(FAILURE_LIMIT):
        assert world.refused(None) is AuthenticationError
        assert world.refused("not-a-key") is AuthenticationError
    assert world.refused(generate_api_key()) is AuthenticationError
    assert world.keys.reads == 1


def test_an_ipv6_client_is_counted_by_its_64_network(world):
    for index in range(FAILURE_LIMIT):
        world.refused(generate_api_key(), address=f"2001:db8:1:2::{index + 1:x}")
    assert world.refused(generate_api_key(), address="2001:db8:1:2:ffff::1") is AuthThrottledError
    assert world.refused(generate_api_key(), address="2001:db8:1:3::1") is AuthenticationError


def test_a_caller_without_an_address_is_never_throttled(world):
    for _ in range(FAILURE_LIMIT * 2):
        assert world.refused(generate_api_key(), address=None) is AuthenticationError


def test_the_throttle_never_keeps_an_address(world):
    for _ in range(3):
        world.refused(generate_api_key())
    held = repr(vars(world.throttle))
    assert ADDRESS not in held
    assert "203.0.113" not in held


def test_the_throttle_keeps_at_most_its_bound_of_addresses():
    throttle = FailedAuthThrottle(clock=FakeClock(), limit=1, max_addresses=2)
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        throttle.failed(address)
    with pytest.raises(AuthThrottledError):
        throttle.check("192.0.2.3")
    throttle.check("192.0.2.1")  # forgotten to make room
    assert len(vars(throttle)["_windows"]) == 2
