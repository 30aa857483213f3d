"""The contracts of the profile, service and API key repositories, fake and Cosmos DB."""

from __future__ import annotations

import uuid

import pytest

from shared.domain.api_keys import ApiKeyRecord, KeySlot, hash_api_key
from shared.domain.errors import AlreadyExistsError
from shared.domain.profile import Profile
from tests.builders import a_service


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
