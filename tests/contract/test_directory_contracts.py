"""The contracts of the profile, service and API key repositories, fake and Cosmos DB."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime

import pytest

from shared.domain.api_keys import ApiKeyRecord, KeySlot, hash_api_key
from shared.domain.callbacks import CallbackTarget, SealedSecret
from shared.domain.errors import AlreadyExistsError, NotFoundError
from shared.domain.profile import Profile
from shared.domain.service import RateLimit, Tier
from tests.builders import FISCAL_CODE, a_service


def test_saved_profile_reads_back_and_a_second_save_replaces_it(profile_repository):
    fiscal_code = f"TEST{uuid.uuid4().hex[:12].upper()}"
    profile_repository.save(Profile(fiscal_code=fiscal_code, preferred_languages=("de_DE",)))
    profile_repository.save(Profile(fiscal_code=fiscal_code, inbox_enabled=False))
    read = profile_repository.get(fiscal_code)
    assert read == Profile(fiscal_code=fiscal_code, inbox_enabled=False)


def test_unknown_profile_is_none(profile_repository):
    assert profile_repository.get(f"NONE{uuid.uuid4().hex[:12].upper()}") is None


def test_added_service_reads_back_and_its_id_cannot_be_reused(service_repository):
    service = a_service(service_id=uuid.uuid4().hex)
    service_repository.add(service)
    assert service_repository.get(service.id) == service
    with pytest.raises(AlreadyExistsError):
        service_repository.add(service)


def test_unknown_service_is_none(service_repository):
    assert service_repository.get(uuid.uuid4().hex) is None


def test_key_record_is_found_by_its_hash_only(api_key_repository):
    key_hash = hash_api_key(uuid.uuid4().hex)
    record = ApiKeyRecord(id=key_hash, service_id="svc-1", slot=KeySlot.PRIMARY)
    api_key_repository.add(record)
    assert api_key_repository.get(key_hash) == record
    assert api_key_repository.get(hash_api_key(uuid.uuid4().hex)) is None
    with pytest.raises(AlreadyExistsError):
        api_key_repository.add(record)


def test_a_removed_key_is_gone_and_removing_it_again_says_so(api_key_repository):
    key_hash = hash_api_key(uuid.uuid4().hex)
    api_key_repository.add(ApiKeyRecord(id=key_hash, service_id="svc-1", slot=KeySlot.PRIMARY))
    assert api_key_repository.remove(key_hash) is True
    assert api_key_repository.get(key_hash) is None
    assert api_key_repository.remove(key_hash) is False


def test_a_replaced_service_reads_back_changed(service_repository):
    # GIVEN a stored service
    service = a_service(service_id=uuid.uuid4().hex)
    service_repository.add(service)
    # WHEN it is replaced with changed settings
    changed = service.model_copy(
        update={
            "tier": Tier.PREMIUM,
            "is_limited": True,
            "authorized_recipients": frozenset({FISCAL_CODE}),
            "authorized_cidrs": (ipaddress.ip_network("203.0.113.0/24"),),
            "rate_limit": RateLimit(requests=10, window_seconds=60),
        }
    )
    service_repository.replace(changed)
    # THEN the change is what is read
    assert service_repository.get(service.id) == changed


def test_a_services_callback_reads_back_with_its_sealed_secrets_in_order(service_repository):
    # GIVEN a stored service, then given a callback in the middle of a rotation
    service = a_service(service_id=uuid.uuid4().hex)
    service_repository.add(service)
    secrets = tuple(
        SealedSecret(
            id=f"cbs_0000000{number}",
            sealed=f"c2VhbGVk{number}==",
            created_at=datetime(2026, 12, number, 10, 0, 0, 123456, tzinfo=UTC),
        )
        for number in (1, 2)
    )
    target = CallbackTarget(url="https://callbacks.example.com/postino?x=1", secrets=secrets)
    changed = service.model_copy(update={"callback": target})
    service_repository.replace(changed)
    # THEN it reads back the same, the oldest secret first, and goes again when removed
    assert service_repository.get(service.id) == changed
    service_repository.replace(service)
    assert service_repository.get(service.id).callback is None


def test_replacing_an_unknown_service_is_not_found_and_creates_nothing(service_repository):
    service = a_service(service_id=uuid.uuid4().hex)
    with pytest.raises(NotFoundError):
        service_repository.replace(service)
    assert service_repository.get(service.id) is None


def test_every_added_service_is_listed(service_repository):
    # The emulator's database is shared by the session: others' services may be listed too.
    added = [a_service(service_id=uuid.uuid4().hex, name=f"List {n}") for n in range(3)]
    for service in added:
        service_repository.add(service)
    listed = {service.id: service for service in service_repository.list_all()}
    assert [listed.get(service.id) for service in added] == added


def test_a_services_keys_are_found_by_its_id_and_only_its_own(api_key_repository):
    # GIVEN two keys of one service and one key of another
    service_id, other_id = uuid.uuid4().hex, uuid.uuid4().hex
    mine = [
        ApiKeyRecord(id=hash_api_key(uuid.uuid4().hex), service_id=service_id, slot=slot)
        for slot in KeySlot
    ]
    theirs = ApiKeyRecord(
        id=hash_api_key(uuid.uuid4().hex), service_id=other_id, slot=KeySlot.PRIMARY
    )
    for record in [*mine, theirs]:
        api_key_repository.add(record)
    # WHEN the first service's keys are looked up
    found = api_key_repository.for_service(service_id)
    # THEN exactly its records come back, and a removed one no longer does
    assert sorted(found, key=lambda record: record.slot) == mine
    api_key_repository.remove(mine[0].id)
    assert api_key_repository.for_service(service_id) == [mine[1]]
    assert api_key_repository.for_service(uuid.uuid4().hex) == []
