"""May this service send? The institution API's checks, in the order the module lists them:
key, disabled service, caller's network, rate limit; then the body's size by tier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from ipaddress import ip_network

import pytest

from shared.domain.api_keys import ApiKeyRecord, KeySlot, generate_api_key, hash_api_key
from shared.domain.errors import (
    AuthenticationError,
    ForbiddenError,
    RateLimitedError,
    ServiceDisabledError,
)
from shared.domain.message_rules import MAX_MESSAGE_BODY_BYTES
from shared.domain.service import RateLimit, Service, Tier
from shared.services.admission import Admission, admit_service, message_body_limit
from shared.services.auth_failure_throttle import FailedAuthThrottle
from shared.services.rate_limiting import RateLimiter
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import a_service
from tests.fakes import FakeApiKeyRepository, FakeClock, FakeServiceRepository, FakeWindowCounter

INSIDE = "10.1.2.3"
OUTSIDE = "203.0.113.7"


class World:
    def __init__(self, service: Service) -> None:
        self.clock = FakeClock(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
        keys, services = FakeApiKeyRepository(), FakeServiceRepository()
        services.add(service)
        self.key = generate_api_key()
        keys.add(
            ApiKeyRecord(id=hash_api_key(self.key), service_id=service.id, slot=KeySlot.PRIMARY)
        )
        self.directory = CachedServiceDirectory(
            api_keys=keys, services=services, clock=self.clock, ttl=timedelta(seconds=10)
        )
        self.counter = FakeWindowCounter()
        self.limiter = RateLimiter(counter=self.counter, clock=self.clock)

    def admit(self, key: str | None, address: str | None = INSIDE) -> Admission:
        return admit_service(
            key,
            address,
            directory=self.directory,
            throttle=FailedAuthThrottle(clock=self.clock),
            rate_limiter=self.limiter,
        )


def _guarded(**overrides) -> Service:
    return a_service(authorized_cidrs=(ip_network("10.0.0.0/8"),), **overrides)


def test_an_admitted_call_is_counted_and_answers_with_its_rate_limit_headers():
    world = World(_guarded(rate_limit=RateLimit(requests=3, window_seconds=5)))
    admission = world.admit(world.key)
    assert admission.service.id == "svc-1"
    assert not admission.is_test
    assert admission.headers()["RateLimit-Remaining"] == "2"


def test_an_unknown_key_is_refused_before_anything_else_is_looked_at():
    world = World(_guarded(disabled_at=datetime(2026, 1, 1, tzinfo=UTC)))
    with pytest.raises(AuthenticationError):
        world.admit(generate_api_key(), OUTSIDE)
    assert world.counter.counts == {}


def test_a_disabled_service_is_told_so_even_from_outside_its_networks():
    # GIVEN a disabled service called from an address it does not authorize
    world = World(_guarded(disabled_at=datetime(2026, 1, 1, tzinfo=UTC)))
    # WHEN it calls, THEN it learns it is disabled (403 service-disabled), not the network
    with pytest.raises(ServiceDisabledError):
        world.admit(world.key, OUTSIDE)


def test_a_call_from_outside_the_networks_is_refused_without_being_counted():
    world = World(_guarded(rate_limit=RateLimit(requests=1, window_seconds=5)))
    with pytest.raises(ForbiddenError):
        world.admit(world.key, OUTSIDE)
    assert world.counter.counts == {}
    # THEN the one call the limit allows is still there for an authorized address
    world.admit(world.key)
    with pytest.raises(RateLimitedError):
        world.admit(world.key)


@pytest.mark.parametrize(("tier", "says_why"), [(Tier.PREMIUM, False), (Tier.BASIC, True)])
def test_only_a_premium_body_may_be_big_enough_for_attachments(tier, says_why):
    limit = message_body_limit(a_service(tier=tier))
    assert (limit.max_bytes == MAX_MESSAGE_BODY_BYTES) is not says_why
    assert ("Premium" in limit.why) is says_why
