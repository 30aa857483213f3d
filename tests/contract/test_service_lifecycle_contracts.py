"""The contracts behind deleting a service and recording a key's last use, fake and Cosmos DB."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from shared.domain.api_keys import ApiKeyRecord, KeySlot, hash_api_key
from shared.domain.errors import AlreadyExistsError
from shared.domain.service_metadata import ServiceScope
from tests.builders import a_service

CREATED_AT = datetime(2026, 12, 1, 8, 0, 0, 123456, tzinfo=UTC)


def _record(**fields) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=hash_api_key(uuid.uuid4().hex),
        service_id="svc-1",
        slot=KeySlot.PRIMARY,
        created_at=CREATED_AT,
        **fields,
    )


def test_a_removed_service_is_gone_and_removing_it_again_says_so(service_repository):
    service = a_service(service_id=uuid.uuid4().hex)
    service_repository.add(service)
    assert service_repository.remove(service.id) is True
    assert service_repository.get(service.id) is None
    assert service.id not in [listed.id for listed in service_repository.list_all()]
    assert service_repository.remove(service.id) is False
    assert service_repository.remove(uuid.uuid4().hex) is False


def test_a_removed_services_id_is_never_given_to_another_service(service_repository):
    service = a_service(service_id=uuid.uuid4().hex)
    service_repository.add(service)
    service_repository.remove(service.id)
    with pytest.raises(AlreadyExistsError):
        service_repository.add(a_service(service_id=service.id, name="Another"))
    assert service_repository.get(service.id) is None


def test_a_services_metadata_and_disabled_date_read_back(service_repository):
    service = a_service(
        service_id=uuid.uuid4().hex,
        contact_email="tributi@comune.example.it",
        privacy_url="https://www.comune.example.it/privacy",
        topic="Tasse e tributi",
        scope=ServiceScope.LOCAL,
        disabled_at=datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
    )
    service_repository.add(service)
    assert service_repository.get(service.id) == service


def test_a_keys_dates_read_back_and_marking_it_used_changes_only_its_last_use(
    api_key_repository,
):
    record = _record()
    api_key_repository.add(record)
    assert api_key_repository.get(record.id) == record
    used_at = datetime(2026, 12, 3, 11, 30, 0, 654321, tzinfo=UTC)
    api_key_repository.mark_used(record.id, used_at)
    assert api_key_repository.get(record.id) == record.model_copy(update={"last_used_at": used_at})


def test_marking_a_removed_key_used_does_not_bring_it_back(api_key_repository):
    record = _record()
    api_key_repository.add(record)
    api_key_repository.remove(record.id)
    api_key_repository.mark_used(record.id, datetime(2026, 12, 3, tzinfo=UTC))
    assert api_key_repository.get(record.id) is None
