"""Operator commands on services and keys whose writes land but whose replies are lost: the
command reports what it did (a printed key works, a revoked key is revoked), and one whose
storage fails half-way says how to finish rather than invite a duplicate."""

from __future__ import annotations

import pytest

from shared.domain.api_keys import KeySlot, hash_api_key
from shared.domain.errors import OutcomeUnknownError, StorageUnavailableError
from shared.services.onboarding import create_service
from shared.services.service_admin import issue_key, revoke_key, rotate_key
from tests.builders import a_service
from tests.fakes import FakeApiKeyRepository, FakeServiceRepository
from tests.port_faults import LOST, REFUSED, FaultyPort


@pytest.fixture
def services():
    stored = FakeServiceRepository()
    stored.add(a_service("svc-1"))
    return stored


@pytest.fixture
def api_keys():
    return FakeApiKeyRepository()


def _create(services, api_keys, service_id="svc-new"):
    return create_service(
        name="Tributi",
        organization_name="Comune",
        organization_fiscal_code="01234567890",
        service_id=service_id,
        services=services,
        api_keys=api_keys,
    )


def test_a_key_issued_with_its_reply_lost_is_printed_and_is_the_slots_only_key(services, api_keys):
    # GIVEN the key record's write lands but its reply is lost
    losing = FaultyPort(api_keys, "add", [LOST])
    # WHEN the operator issues a key
    issued = issue_key("svc-1", KeySlot.PRIMARY, services=services, api_keys=losing)
    # THEN the key shown is the one stored, and the slot holds it alone
    assert [record.id for record in api_keys.for_service("svc-1")] == [hash_api_key(issued.key)]


def test_a_rotation_with_its_replies_lost_leaves_only_the_printed_key(services, api_keys):
    # GIVEN a slot with a key, and a rotation whose new key's and old key's writes both
    # land with their replies lost
    old = issue_key("svc-1", KeySlot.PRIMARY, services=services, api_keys=api_keys)
    losing = FaultyPort(FaultyPort(api_keys, "add", [LOST]), "remove", [LOST])
    # WHEN the operator rotates it
    new = rotate_key("svc-1", KeySlot.PRIMARY, services=services, api_keys=losing)
    # THEN the new key is printed and is the slot's only key
    assert new.key != old.key
    assert [record.id for record in api_keys.for_service("svc-1")] == [hash_api_key(new.key)]


def test_a_revocation_with_its_reply_lost_is_reported_done(services, api_keys):
    # GIVEN a key, and a revocation whose delete lands with its reply lost
    issue_key("svc-1", KeySlot.SECONDARY, services=services, api_keys=api_keys)
    losing = FaultyPort(api_keys, "remove", [LOST])
    # WHEN the operator revokes it
    revoked = revoke_key("svc-1", KeySlot.SECONDARY, services=services, api_keys=losing)
    # THEN the command succeeds, and the slot is empty
    assert revoked.slot is KeySlot.SECONDARY
    assert api_keys.for_service("svc-1") == []


def test_a_service_created_with_its_reply_lost_gets_its_keys_once(services, api_keys):
    # GIVEN the new service's write lands with its reply lost
    losing = FaultyPort(services, "add", [LOST])
    # WHEN the operator creates it
    created = _create(losing, api_keys)
    # THEN both keys are printed and stored, once each
    stored = {record.id for record in api_keys.for_service("svc-new")}
    assert stored == {hash_api_key(created.primary_key), hash_api_key(created.secondary_key)}
    assert services.get("svc-new") == created.service


def test_a_service_whose_keys_cannot_be_stored_says_so_and_names_itself(services, api_keys):
    # GIVEN storage that takes the service and then refuses its keys
    refusing = FaultyPort(api_keys, "add", [REFUSED])
    # WHEN the operator creates it
    with pytest.raises(StorageUnavailableError) as failure:
        _create(services, refusing)
    # THEN the error names the service and how to finish, since creating it again would
    # make a second service (or fail on its id)
    assert "svc-new was created" in str(failure.value)
    assert "do not create it again" in str(failure.value)


def test_a_service_create_whose_outcome_stays_unknown_names_the_service_to_look_at(
    services, api_keys
):
    # GIVEN the service's write lands with its reply lost, and storage then goes away
    failing = FaultyPort(services, "add", [LOST, REFUSED])
    # WHEN the operator creates it, THEN the error says to look before creating it again
    with pytest.raises(OutcomeUnknownError, match="service show svc-new"):
        _create(failing, api_keys)
    assert services.get("svc-new") is not None
