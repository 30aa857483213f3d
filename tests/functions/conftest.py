from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from shared.bootstrap import build_app
from shared.services.onboarding import create_service, register_citizen
from tests.builders import FISCAL_CODE


@dataclass(frozen=True)
class Sender:
    service_id: str
    key: str


def new_sender(settings) -> Sender:
    app = build_app(settings)
    created = create_service(
        name="Anagrafe",
        organization_name="Comune di Esempio",
        organization_fiscal_code="01234567890",
        service_id=f"svc-{uuid.uuid4().hex[:10]}",
        services=app.services,
        api_keys=app.api_keys,
    )
    return Sender(created.service.id, created.primary_key)


@pytest.fixture(scope="module")
def sender(local_stack) -> Sender:
    """A registered service and its key, and the demo citizen registered."""
    register_citizen(FISCAL_CODE, profiles=build_app(local_stack.settings).profiles)
    return new_sender(local_stack.settings)


@pytest.fixture(scope="module")
def other_sender(local_stack) -> Sender:
    return new_sender(local_stack.settings)
