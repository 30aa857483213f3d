"""Operator use cases on services and their keys, over the fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.api_keys import ApiKeyRecord, KeySlot, hash_api_key
from shared.domain.errors import (
    AlreadyExistsError,
    AuthenticationError,
    NotFoundError,
    ValidationError,
)
from shared.domain.service import RateLimit, Tier
from shared.domain.service_change import ServiceChange, parse_service_change
from shared.services.authenticate import authenticate
from shared.services.onboarding import create_service
from shared.services.service_admin import (
    issue_key,
    list_services,
    revoke_key,
    rotate_key,
    show_service,
    update_service,
)
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import FISCAL_CODE, a_service
from tests.fakes import FakeApiKeyRepository, FakeClock, FakeServiceRepository

CACHE_TTL = timedelta(seconds=10)


@pytest.fixture
def services():
    return FakeServiceRepository()


@pytest.fixture
def api_keys():
    return FakeApiKeyRepository()


@pytest.fixture
def created(services, api_keys):
    return create_service(
        name="Anagrafe",
        organization_name="Comune",
        organization_fiscal_code="01234567890",
        service_id="svc-1",
        services=services,
        api_keys=api_keys,
    )


def test_create_applies_the_operators_settings_over_the_defaults(services, api_keys):
    settings = parse_service_change(
        tier="PREMIUM", rate_limit="10/60", add_recipients=[FISCAL_CODE]
    )
    created = create_service(
        name="Tributi",
        organization_name="Comune",
        organization_fiscal_code="01234567890",
        settings=settings,
        services=services,
        api_keys=api_keys,
    )
    stored = services.get(created.service.id)
    assert stored.tier is Tier.PREMIUM
    assert stored.rate_limit == RateLimit(requests=10, window_seconds=60)
    assert stored.authorized_recipients == frozenset({FISCAL_CODE})


@pytest.mark.parametrize("service_id", ["", "a/b", "has space", "-leading", "x" * 65])
def test_create_refuses_an_id_cosmos_or_people_would_trip_on(services, api_keys, service_id):
    with pytest.raises(ValidationError) as caught:
        create_service(
            name="Tributi",
            organization_name="Comune",
            organization_fiscal_code="01234567890",
            service_id=service_id,
            services=services,
            api_keys=api_keys,
        )
    assert [error.pointer for error in caught.value.errors] == ["/id"]
    assert services.stored == {}
    assert api_keys.stored == {}


def test_services_are_listed_by_name_then_id(services):
    for service in (a_service("b", name="Tributi"), a_service("c", name="anagrafe")):
        services.add(service)
    services.add(a_service("a", name="Tributi"))
    assert [service.id for service in list_services(services=services)] == ["c", "a", "b"]


def test_show_says_which_slots_hold_a_key(services, api_keys, created):
    revoke_key("svc-1", KeySlot.SECONDARY, services=services, api_keys=api_keys)
    overview = show_service("svc-1", services=services, api_keys=api_keys)
    assert overview.service == created.service
    assert overview.keys == {KeySlot.PRIMARY: 1, KeySlot.SECONDARY: 0}


@pytest.mark.parametrize("service_id", ["nope", "a/b"])
def test_an_unknown_service_is_not_found_by_every_operation(services, api_keys, service_id):
    with pytest.raises(NotFoundError):
        show_service(service_id, services=services, api_keys=api_keys)
    with pytest.raises(NotFoundError):
        update_service(service_id, ServiceChange(is_limited=True), services=services)
    for operation in (issue_key, rotate_key, revoke_key):
        with pytest.raises(NotFoundError):
            operation(service_id, KeySlot.PRIMARY, services=services, api_keys=api_keys)
    assert api_keys.stored == {}


def test_update_stores_the_changed_settings(services, created):
    change = ServiceChange(is_limited=True, add_recipients=(FISCAL_CODE,))
    updated = update_service("svc-1", change, services=services)
    assert services.get("svc-1") == updated
    assert updated.is_limited
    assert updated.authorized_recipients == frozenset({FISCAL_CODE})
    assert updated.name == created.service.name


def test_update_with_nothing_to_change_is_bad_input(services, created):
    with pytest.raises(ValidationError):
        update_service("svc-1", ServiceChange(), services=services)


def test_issuing_into_a_slot_that_has_a_key_fails_and_keeps_the_key(services, api_keys, created):
    before = dict(api_keys.stored)
    with pytest.raises(AlreadyExistsError):
        issue_key("svc-1", KeySlot.PRIMARY, services=services, api_keys=api_keys)
    assert api_keys.stored == before


def test_an_issued_key_is_stored_only_hashed_and_authenticates(services, api_keys, created):
    revoke_key("svc-1", KeySlot.PRIMARY, services=services, api_keys=api_keys)
    issued = issue_key("svc-1", KeySlot.PRIMARY, services=services, api_keys=api_keys)
    record = api_keys.get(hash_api_key(issued.key))
    assert (record.service_id, record.slot) == ("svc-1", KeySlot.PRIMARY)
    assert issued.key not in repr(api_keys.stored)
    directory = CachedServiceDirectory(
        api_keys=api_keys, services=services, clock=FakeClock(), ttl=CACHE_TTL
    )
    assert authenticate(issued.key, directory=directory).id == "svc-1"


def test_rotation_retires_the_old_key_within_the_cache_time_and_spares_the_other_slot(
    services, api_keys, created
):
    # GIVEN a worker that has just used the primary key
    clock = FakeClock()
    directory = CachedServiceDirectory(
        api_keys=api_keys, services=services, clock=clock, ttl=CACHE_TTL
    )
    authenticate(created.primary_key, directory=directory)
    # WHEN the primary slot is rotated
    rotated = rotate_key("svc-1", KeySlot.PRIMARY, services=services, api_keys=api_keys)
    # THEN the new key works at once, the old one until the worker's cache expires
    assert authenticate(rotated.key, directory=directory).id == "svc-1"
    assert authenticate(created.primary_key, directory=directory).id == "svc-1"
    clock.advance(seconds=CACHE_TTL.total_seconds() + 1)
    with pytest.raises(AuthenticationError):
        authenticate(created.primary_key, directory=directory)
    # AND the secondary key kept working throughout
    assert authenticate(created.secondary_key, directory=directory).id == "svc-1"
    assert show_service("svc-1", services=services, api_keys=api_keys).keys == {
        KeySlot.PRIMARY: 1,
        KeySlot.SECONDARY: 1,
    }


def test_rotation_clears_a_slot_left_holding_two_keys(services, api_keys, created):
    # GIVEN a primary slot holding two keys, as an interrupted rotation leaves it
    api_keys.add(
        ApiKeyRecord(id=hash_api_key("leftover"), service_id="svc-1", slot=KeySlot.PRIMARY)
    )
    # WHEN the slot is rotated again
    rotated = rotate_key("svc-1", KeySlot.PRIMARY, services=services, api_keys=api_keys)
    # THEN only the newest key is left in it, and the secondary is untouched
    primary = [r.id for r in api_keys.for_service("svc-1") if r.slot is KeySlot.PRIMARY]
    assert primary == [hash_api_key(rotated.key)]
    assert api_keys.get(hash_api_key(created.secondary_key)) is not None


@pytest.mark.parametrize("operation", [rotate_key, revoke_key])
def test_rotating_or_revoking_an_empty_slot_is_not_found(services, api_keys, created, operation):
    revoke_key("svc-1", KeySlot.SECONDARY, services=services, api_keys=api_keys)
    with pytest.raises(NotFoundError):
        operation("svc-1", KeySlot.SECONDARY, services=services, api_keys=api_keys)


def test_revoking_says_which_slots_still_hold_a_key(services, api_keys, created):
    first = revoke_key("svc-1", KeySlot.PRIMARY, services=services, api_keys=api_keys)
    assert first.slots_left == frozenset({KeySlot.SECONDARY})
    assert api_keys.get(hash_api_key(created.primary_key)) is None
    last = revoke_key("svc-1", KeySlot.SECONDARY, services=services, api_keys=api_keys)
    assert last.slots_left == frozenset()
    assert api_keys.for_service("svc-1") == []
