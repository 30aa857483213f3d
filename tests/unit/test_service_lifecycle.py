"""Disabling, enabling and deleting a service, over the fakes: what its keys answer, and what
becomes of its messages and pending callbacks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.entitlements import check_service_enabled
from shared.domain.errors import (
    AlreadyExistsError,
    AuthenticationError,
    NotFoundError,
    OutcomeUnknownError,
    ServiceDisabledError,
)
from shared.domain.events import EventType
from shared.domain.message import MessageStatus
from shared.http import SERVICE_DISABLED, problem_type_of
from shared.services.authenticate import authenticate
from shared.services.dispatch_event import Dispatch
from shared.services.onboarding import create_service
from shared.services.service_directory import CachedServiceDirectory
from shared.services.service_lifecycle import delete_service, disable_service, enable_service
from tests.builders import FISCAL_CODE
from tests.fakes import FakeApiKeyRepository, FakeClock, FakeServiceRepository
from tests.unit.test_dispatch_event import World


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def services():
    return FakeServiceRepository()


@pytest.fixture
def api_keys():
    return FakeApiKeyRepository()


@pytest.fixture
def created(services, api_keys):
    return create_service(
        name="Tributi",
        organization_name="Comune",
        organization_fiscal_code="01234567890",
        service_id="tributi",
        services=services,
        api_keys=api_keys,
    )


def _directory(services, api_keys, clock) -> CachedServiceDirectory:
    return CachedServiceDirectory(
        api_keys=api_keys, services=services, clock=clock, ttl=timedelta(seconds=10)
    )


def _call(key: str, directory: CachedServiceDirectory) -> None:
    """What every institution route does first with a key (institution_api.open_call)."""
    check_service_enabled(authenticate(key, directory=directory))


def test_a_disabled_services_keys_are_refused_with_service_disabled_and_nothing_is_deleted(
    created, services, api_keys, clock
):
    # WHEN the operator disables the service
    disabled = disable_service("tributi", services=services, clock=clock)
    # THEN both its keys are refused as service-disabled (403), not as unknown keys
    directory = _directory(services, api_keys, clock)
    for key in (created.primary_key, created.secondary_key):
        with pytest.raises(ServiceDisabledError) as caught:
            _call(key, directory)
        assert problem_type_of(caught.value) is SERVICE_DISABLED
        assert SERVICE_DISABLED.status == 403
    # AND the service and its keys are all still stored
    assert disabled.disabled_at == clock.now()
    assert services.get("tributi") == disabled
    assert len(api_keys.for_service("tributi")) == 2


def test_disabling_twice_keeps_the_first_date_and_enabling_lets_the_keys_in_again(
    created, services, api_keys, clock
):
    first = disable_service("tributi", services=services, clock=clock)
    clock.advance(hours=1)
    assert disable_service("tributi", services=services, clock=clock).disabled_at == (
        first.disabled_at
    )
    enabled = enable_service("tributi", services=services)
    assert not enabled.is_disabled
    _call(created.primary_key, _directory(services, api_keys, clock))


def test_a_disabled_service_is_refused_only_once_the_workers_cache_expires(
    created, services, api_keys, clock
):
    # GIVEN a worker that authenticated the key a moment ago
    directory = _directory(services, api_keys, clock)
    _call(created.primary_key, directory)
    disable_service("tributi", services=services, clock=clock)
    # THEN it keeps accepting it until its cache entry expires (SERVICE_CACHE_TTL_SECONDS)
    _call(created.primary_key, directory)
    clock.advance(seconds=11)
    with pytest.raises(ServiceDisabledError):
        _call(created.primary_key, directory)


def test_deleting_a_service_deletes_its_keys_so_they_answer_as_unknown(
    created, services, api_keys, clock
):
    deleted = delete_service("tributi", services=services, api_keys=api_keys)
    assert deleted.keys_deleted == 2
    assert services.get("tributi") is None
    assert api_keys.for_service("tributi") == []
    directory = _directory(services, api_keys, clock)
    for key in (created.primary_key, created.secondary_key):
        with pytest.raises(AuthenticationError):
            _call(key, directory)


def test_deleting_an_unknown_service_is_not_found(services, api_keys):
    with pytest.raises(NotFoundError):
        delete_service("nobody", services=services, api_keys=api_keys)


def test_a_taken_id_is_named_and_a_deleted_services_id_is_never_taken_again(
    created, services, api_keys
):
    def again():
        return create_service(
            name="Tributi",
            organization_name="Comune",
            organization_fiscal_code="01234567890",
            service_id="tributi",
            services=services,
            api_keys=api_keys,
        )

    with pytest.raises(AlreadyExistsError, match="service tributi already exists"):
        again()
    # A new service under the old id would see the deleted one's messages.
    delete_service("tributi", services=services, api_keys=api_keys)
    with pytest.raises(AlreadyExistsError, match="never reused"):
        again()
    assert services.get("tributi") is None


def test_a_deleted_services_messages_stay_and_its_pending_callbacks_are_dropped():
    # GIVEN a service with a callback, one of its messages processed, a status event pending
    world = World()
    ref = world.pending(EventType.PROCESSED)
    # WHEN the operator deletes the service
    delete_service("svc-1", services=world.services, api_keys=FakeApiKeyRepository())
    # THEN the dispatcher drops the callback instead of posting or retrying it
    assert world.dispatch(ref) is Dispatch.DROPPED
    assert world.callbacks.posts == []
    assert world.queue.sent == []
    assert world.dead.stored == {}
    # AND the message is still in the citizen's inbox, as sent, with its status
    message = world.messages.get(FISCAL_CODE, ref.message_id)
    assert message is not None
    assert message.status is MessageStatus.PROCESSED
    assert message.outbox == ()


class _RemoveReplyLost(FakeServiceRepository):
    """The first removal lands but its reply is lost."""

    def __init__(self) -> None:
        super().__init__()
        self.removals = 0

    def remove(self, service_id: str) -> bool:
        self.removals += 1
        removed = super().remove(service_id)
        if self.removals == 1:
            raise OutcomeUnknownError("Cosmos DB's answer was lost")
        return removed


def test_a_deletion_whose_reply_was_lost_is_done_and_reported_done(api_keys):
    services = _RemoveReplyLost()
    create_service(
        name="Tributi",
        organization_name="Comune",
        organization_fiscal_code="01234567890",
        service_id="tributi",
        services=services,
        api_keys=api_keys,
    )
    assert delete_service("tributi", services=services, api_keys=api_keys).keys_deleted == 2
    assert services.get("tributi") is None
    assert services.removals == 2
