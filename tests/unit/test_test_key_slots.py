"""A service's test keys: slots of their own beside the live ones, rotated the same way,
and authenticating as TEST."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.api_keys import KeyKind, KeySlot
from shared.domain.errors import AlreadyExistsError, AuthenticationError, NotFoundError
from shared.services.authenticate import authenticate_caller
from shared.services.onboarding import create_service
from shared.services.service_admin import issue_key, revoke_key, rotate_key, show_service
from shared.services.service_directory import CachedServiceDirectory
from tests.fakes import FakeApiKeyRepository, FakeClock, FakeServiceRepository


class Operator:
    def __init__(self) -> None:
        self.services = FakeServiceRepository()
        self.api_keys = FakeApiKeyRepository()
        self.created = create_service(
            name="Anagrafe",
            organization_name="Comune",
            organization_fiscal_code="01234567890",
            service_id="svc-1",
            services=self.services,
            api_keys=self.api_keys,
        )

    def caller(self, key: str):
        directory = CachedServiceDirectory(
            api_keys=self.api_keys,
            services=self.services,
            clock=FakeClock(),
            ttl=timedelta(seconds=0),
        )
        return authenticate_caller(key, directory=directory)


@pytest.fixture
def operator() -> Operator:
    return Operator()


def test_a_test_key_is_issued_beside_the_live_keys_and_authenticates_as_test(operator):
    issued = issue_key(
        "svc-1",
        KeySlot.PRIMARY,
        kind=KeyKind.TEST,
        services=operator.services,
        api_keys=operator.api_keys,
    )

    caller = operator.caller(issued.key)
    assert (caller.service.id, caller.kind, caller.is_test) == ("svc-1", KeyKind.TEST, True)
    live = operator.caller(operator.created.primary_key)
    assert (live.kind, live.is_test) == (KeyKind.LIVE, False)
    overview = show_service("svc-1", services=operator.services, api_keys=operator.api_keys)
    assert overview.keys == {KeySlot.PRIMARY: 1, KeySlot.SECONDARY: 1}
    assert overview.test_keys == {KeySlot.PRIMARY: 1, KeySlot.SECONDARY: 0}


def test_a_test_slot_takes_one_key_and_rotates_without_touching_the_live_slot(operator):
    first = issue_key(
        "svc-1",
        KeySlot.PRIMARY,
        kind=KeyKind.TEST,
        services=operator.services,
        api_keys=operator.api_keys,
    )
    with pytest.raises(AlreadyExistsError, match="TEST PRIMARY"):
        issue_key(
            "svc-1",
            KeySlot.PRIMARY,
            kind=KeyKind.TEST,
            services=operator.services,
            api_keys=operator.api_keys,
        )

    rotated = rotate_key(
        "svc-1",
        KeySlot.PRIMARY,
        kind=KeyKind.TEST,
        services=operator.services,
        api_keys=operator.api_keys,
    )

    assert operator.caller(rotated.key).is_test
    with pytest.raises(AuthenticationError):
        operator.caller(first.key)
    assert not operator.caller(operator.created.primary_key).is_test


def test_revoking_a_test_key_leaves_the_live_keys_and_counts_test_slots_left(operator):
    issue_key(
        "svc-1",
        KeySlot.SECONDARY,
        kind=KeyKind.TEST,
        services=operator.services,
        api_keys=operator.api_keys,
    )

    revoked = revoke_key(
        "svc-1",
        KeySlot.SECONDARY,
        kind=KeyKind.TEST,
        services=operator.services,
        api_keys=operator.api_keys,
    )

    assert (revoked.kind, revoked.slots_left) == (KeyKind.TEST, frozenset())
    assert operator.caller(operator.created.secondary_key).kind is KeyKind.LIVE
    with pytest.raises(NotFoundError, match="TEST SECONDARY"):
        revoke_key(
            "svc-1",
            KeySlot.SECONDARY,
            kind=KeyKind.TEST,
            services=operator.services,
            api_keys=operator.api_keys,
        )
