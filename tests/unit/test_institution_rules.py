"""Rate limits, caller networks, the service cache, the recipient check, client addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.api_keys import ApiKeyRecord, KeySlot, hash_api_key
from shared.domain.entitlements import check_caller_address
from shared.domain.errors import (
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    StorageUnavailableError,
    ValidationError,
)
from shared.domain.profile import Profile
from shared.domain.service import RateLimit
from shared.http import client_ip
from shared.services.check_recipient import check_recipient
from shared.services.rate_limiting import RateLimiter, block_size
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import FISCAL_CODE, a_service
from tests.fakes import (
    FakeApiKeyRepository,
    FakeClock,
    FakeProfileRepository,
    FakeServiceRepository,
    FakeWindowCounter,
)


def _limiter(counter, clock):
    return RateLimiter(counter=counter, clock=clock)


def test_the_call_over_the_limit_is_refused_with_the_seconds_to_wait():
    clock = FakeClock(datetime(2026, 11, 2, 9, 30, 2, tzinfo=UTC))
    service = a_service(rate_limit=RateLimit(requests=3, window_seconds=5))
    limiter = _limiter(FakeWindowCounter(), clock)
    decisions = [limiter.enforce(service) for _ in range(3)]
    assert [d.remaining if d else None for d in decisions] == [2, 1, 0]
    with pytest.raises(RateLimitedError) as caught:
        limiter.enforce(service)
    assert caught.value.retry_after == 3  # the window started at :00 and ends at :05
    assert caught.value.headers["RateLimit-Policy"] == "3;w=5"


def test_a_new_window_starts_a_new_count():
    clock = FakeClock(datetime(2026, 11, 2, 9, 30, 4, tzinfo=UTC))
    service = a_service(rate_limit=RateLimit(requests=1, window_seconds=5))
    limiter = _limiter(FakeWindowCounter(), clock)
    limiter.enforce(service)
    clock.advance(seconds=1)
    decision = limiter.enforce(service)
    assert decision is not None
    assert decision.remaining == 0


def test_services_have_their_own_counts():
    limiter = _limiter(FakeWindowCounter(), FakeClock())
    policy = RateLimit(requests=1, window_seconds=5)
    limiter.enforce(a_service("a", rate_limit=policy))
    assert limiter.enforce(a_service("b", rate_limit=policy)) is not None


def test_the_limit_fails_open_when_its_store_is_down():
    class DownCounter:
        def increment(self, key: str, ttl_seconds: int, by: int = 1) -> int:
            raise StorageUnavailableError("down")

    assert _limiter(DownCounter(), FakeClock()).enforce(a_service()) is None


@pytest.mark.parametrize(("requests", "block"), [(3, 1), (30, 2), (150, 10), (10000, 10)])
def test_large_limits_are_leased_in_blocks_small_ones_call_by_call(requests, block):
    assert block_size(RateLimit(requests=requests, window_seconds=5)) == block


def test_a_worker_pays_one_counter_write_per_block_of_calls():
    writes = []

    class CountingCounter(FakeWindowCounter):
        def increment(self, key: str, ttl_seconds: int, by: int = 1) -> int:
            writes.append(by)
            return super().increment(key, ttl_seconds, by)

    limiter = _limiter(CountingCounter(), FakeClock())
    for _ in range(150):
        limiter.enforce(a_service())  # IO's default: 150 per 5 s, blocks of 10
    assert writes == [10] * 15


def test_workers_sharing_a_counter_never_let_more_than_the_limit_through():
    # GIVEN three workers of the same app, each leasing its own blocks
    counter, clock = FakeWindowCounter(), FakeClock()
    workers = [_limiter(counter, clock) for _ in range(3)]
    service = a_service(rate_limit=RateLimit(requests=150, window_seconds=5))
    # WHEN they take turns calling until all are refused
    allowed = 0
    for round_ in range(200):
        try:
            workers[round_ % 3].enforce(service)
            allowed += 1
        except RateLimitedError:
            pass
    # THEN no more than the limit got through, and at most a block per worker was lost
    assert 150 - 3 * 9 <= allowed <= 150


@pytest.mark.parametrize(
    ("address", "allowed"),
    [("10.1.2.3", True), ("192.168.1.1", False), (None, False), ("not-an-ip", False)],
)
def test_a_service_with_cidrs_accepts_only_callers_inside_them(address, allowed):
    service = a_service(authorized_cidrs=("10.0.0.0/8",))
    if allowed:
        check_caller_address(service, address)
    else:
        with pytest.raises(ForbiddenError, match="authorized networks"):
            check_caller_address(service, address)


def test_a_service_without_cidrs_accepts_any_caller():
    check_caller_address(a_service(), None)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("203.0.113.7:51234", "203.0.113.7"),
        ("10.0.0.1, 203.0.113.7:443", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("", None),
        ("garbage", None),
    ],
)
def test_the_client_address_is_the_last_forwarded_entry(header, expected):
    assert client_ip({"X-Forwarded-For": header}) == expected


def test_cached_service_is_served_until_its_ttl_then_reread():
    services, api_keys, clock = FakeServiceRepository(), FakeApiKeyRepository(), FakeClock()
    services.add(a_service("svc-1"))
    key_hash = hash_api_key("key")
    api_keys.add(ApiKeyRecord(id=key_hash, service_id="svc-1", slot=KeySlot.PRIMARY))
    directory = CachedServiceDirectory(
        api_keys=api_keys, services=services, clock=clock, ttl=timedelta(seconds=10)
    )
    assert directory.owner_of(key_hash) is not None
    api_keys.stored.clear()  # the key is revoked
    clock.advance(seconds=9)
    assert directory.owner_of(key_hash) is not None  # still cached
    clock.advance(seconds=1)
    assert directory.owner_of(key_hash) is None


def test_recipient_check_reports_the_citizens_choice_and_languages():
    profiles = FakeProfileRepository()
    profiles.save(
        Profile(
            fiscal_code=FISCAL_CODE,
            preferred_languages=("de_DE",),
            service_preferences={"svc-1": False},
        )
    )
    blocked = check_recipient(a_service("svc-1"), FISCAL_CODE, profiles=profiles)
    allowed = check_recipient(a_service("svc-2"), FISCAL_CODE, profiles=profiles)
    assert (blocked.sender_allowed, allowed.sender_allowed) == (False, True)
    assert allowed.preferred_languages == ("de_DE",)


@pytest.mark.parametrize("profile", [None, Profile(fiscal_code=FISCAL_CODE, inbox_enabled=False)])
def test_recipient_check_is_404_for_unregistered_or_closed_inbox(profile):
    profiles = FakeProfileRepository()
    if profile:
        profiles.save(profile)
    with pytest.raises(NotFoundError):
        check_recipient(a_service(), FISCAL_CODE, profiles=profiles)


def test_recipient_check_of_a_malformed_code_is_a_validation_error():
    with pytest.raises(ValidationError):
        check_recipient(a_service(), "RSSMRA80A01H501X", profiles=FakeProfileRepository())
