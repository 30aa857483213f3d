"""Operator commands on Cosmos DB whose replies are lost for real: the key printed is the one
stored and it authenticates; a service created unanswered is known as this command's own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from shared.adapters.cosmos_services import CosmosApiKeyRepository, CosmosServiceRepository
from shared.bootstrap import App, build_app
from shared.domain.api_keys import KeySlot, hash_api_key
from shared.domain.service import Tier
from shared.services.authenticate import authenticate
from shared.services.onboarding import create_service
from shared.services.service_admin import issue_key, revoke_key
from shared.storage_layout import ContainerName
from tests.faultinjection import FaultyTransport, cosmos_container, cosmos_write

pytestmark = pytest.mark.emulators

KEYS = ContainerName.API_KEYS
SERVICES = ContainerName.SERVICES


@dataclass
class Admin:
    app: App  # the real app, for looking
    faults: FaultyTransport
    services: CosmosServiceRepository  # what the command writes through
    api_keys: CosmosApiKeyRepository

    def create(self, service_id: str):
        return create_service(
            name="Tributi",
            organization_name="Comune di Esempio",
            organization_fiscal_code="01234567890",
            service_id=service_id,
            tier=Tier.PREMIUM,
            services=self.services,
            api_keys=self.api_keys,
        )


@pytest.fixture
def admin(local_stack) -> Admin:
    settings = local_stack.settings
    faults = FaultyTransport()
    return Admin(
        build_app(settings),
        faults,
        CosmosServiceRepository(cosmos_container(settings, SERVICES, transport=faults)),
        CosmosApiKeyRepository(cosmos_container(settings, KEYS, transport=faults)),
    )


def test_a_key_issued_with_its_reply_lost_authenticates_and_is_the_slots_only_key(admin):
    # GIVEN a service with an empty SECONDARY slot
    service_id = f"svc-{uuid.uuid4().hex[:10]}"
    admin.create(service_id)
    revoke_key(service_id, KeySlot.SECONDARY, services=admin.services, api_keys=admin.api_keys)
    # WHEN a key is issued and the reply to its write is lost
    admin.faults.lose_reply(cosmos_write(KEYS, "POST"))
    issued = issue_key(
        service_id, KeySlot.SECONDARY, services=admin.services, api_keys=admin.api_keys
    )
    # THEN the printed key is the slot's only key, and it authenticates
    assert len(admin.faults.faulted) == 1
    in_slot = [
        record.id
        for record in admin.app.api_keys.for_service(service_id)
        if record.slot is KeySlot.SECONDARY
    ]
    assert in_slot == [hash_api_key(issued.key)]
    assert authenticate(issued.key, directory=admin.app.directory).id == service_id


def test_a_service_created_with_its_reply_lost_is_this_commands_own(admin):
    # GIVEN the reply to the new service's write is lost
    service_id = f"svc-{uuid.uuid4().hex[:10]}"
    admin.faults.lose_reply(cosmos_write(SERVICES, "POST"))
    # WHEN the operator creates it
    created = admin.create(service_id)
    # THEN it is stored once, with both printed keys
    assert len(admin.faults.faulted) == 1
    assert admin.app.services.get(service_id) == created.service
    for key in (created.primary_key, created.secondary_key):
        assert authenticate(key, directory=admin.app.directory).id == service_id
