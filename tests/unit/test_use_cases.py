"""Use cases over the fakes: authenticate, create, process, read status, onboard."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shared.domain.errors import (
    AuthenticationError,
    ConcurrentUpdateError,
    ValidationError,
)
from shared.domain.message import MessageStatus, RejectionReason
from shared.domain.message_ref import MessageRef
from shared.domain.profile import Profile
from shared.services.authenticate import authenticate
from shared.services.onboarding import create_service, register_citizen
from shared.services.process_message import process_message
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import FISCAL_CODE, a_message
from tests.fakes import (
    FakeApiKeyRepository,
    FakeAttachmentStore,
    FakeClock,
    FakeMessageRepository,
    FakeProfileRepository,
    FakeServiceRepository,
)


@pytest.fixture
def messages():
    return FakeMessageRepository()


@pytest.fixture
def profiles():
    return FakeProfileRepository()


@pytest.fixture
def clock():
    return FakeClock()


RETENTION = 94608000


def _process(ref, **ports):
    ports.setdefault("attachments", FakeAttachmentStore())
    return process_message(ref, rejected_retention_seconds=RETENTION, **ports)


def _directory(api_keys, services, clock=None):
    return CachedServiceDirectory(
        api_keys=api_keys, services=services, clock=clock or FakeClock(), ttl=timedelta(seconds=10)
    )


@pytest.fixture
def onboarded():
    services, api_keys = FakeServiceRepository(), FakeApiKeyRepository()
    created = create_service(
        name="Anagrafe",
        organization_name="Comune",
        organization_fiscal_code="01234567890",
        services=services,
        api_keys=api_keys,
    )
    return created, services, api_keys


def test_both_keys_of_a_new_service_authenticate_it_and_are_stored_only_hashed(onboarded):
    created, services, api_keys = onboarded
    for key in (created.primary_key, created.secondary_key):
        assert authenticate(key, directory=_directory(api_keys, services)) == created.service
    stored = json.dumps([record.model_dump() for record in api_keys.stored.values()])
    assert created.primary_key not in stored
    assert created.secondary_key not in stored


@pytest.mark.parametrize("key", [None, "", "0" * 32])
def test_missing_or_unknown_key_does_not_authenticate(onboarded, key):
    _, services, api_keys = onboarded
    with pytest.raises(AuthenticationError):
        authenticate(key, directory=_directory(api_keys, services))


def test_create_service_rejects_an_organization_code_that_is_not_11_digits():
    with pytest.raises(ValidationError) as caught:
        create_service(
            name="Anagrafe",
            organization_name="Comune",
            organization_fiscal_code="ABC",
            services=FakeServiceRepository(),
            api_keys=FakeApiKeyRepository(),
        )
    assert [error.pointer for error in caught.value.errors] == ["/organization_fiscal_code"]


def test_registered_citizen_gets_the_message_processed(messages, profiles, clock):
    profiles.save(Profile(fiscal_code=FISCAL_CODE))
    stored = messages.add(a_message())
    clock.advance(seconds=2)
    status = _process(
        MessageRef(message_id=stored.id, fiscal_code=FISCAL_CODE),
        messages=messages,
        profiles=profiles,
        clock=clock,
    )
    assert status is MessageStatus.PROCESSED
    assert messages.get(FISCAL_CODE, stored.id).processed_at == clock.now()


def test_unknown_citizen_gets_the_message_rejected_user_not_found(messages, profiles, clock):
    stored = messages.add(a_message())
    ref = MessageRef(message_id=stored.id, fiscal_code=FISCAL_CODE)
    _process(ref, messages=messages, profiles=profiles, clock=clock)
    read = messages.get(FISCAL_CODE, stored.id)
    assert read.status is MessageStatus.REJECTED
    assert read.rejection_reason is RejectionReason.USER_NOT_FOUND


@pytest.mark.parametrize(
    "profile",
    [
        Profile(fiscal_code=FISCAL_CODE, inbox_enabled=False),
        Profile(fiscal_code=FISCAL_CODE, service_preferences={"svc-1": False}),
    ],
)
def test_closed_inbox_or_blocked_service_rejects_service_not_allowed(
    messages, profiles, clock, profile
):
    profiles.save(profile)
    stored = messages.add(a_message())
    ref = MessageRef(message_id=stored.id, fiscal_code=FISCAL_CODE)
    _process(ref, messages=messages, profiles=profiles, clock=clock)
    assert messages.get(FISCAL_CODE, stored.id).rejection_reason is (
        RejectionReason.SERVICE_NOT_ALLOWED
    )


def test_redelivery_of_a_decided_message_changes_nothing(messages, profiles, clock):
    profiles.save(Profile(fiscal_code=FISCAL_CODE))
    stored = messages.add(a_message())
    ref = MessageRef(message_id=stored.id, fiscal_code=FISCAL_CODE)
    _process(ref, messages=messages, profiles=profiles, clock=clock)
    first = messages.get(FISCAL_CODE, stored.id)
    profiles.stored.clear()  # a second decision would now be a rejection
    clock.advance(hours=1)
    assert (
        _process(ref, messages=messages, profiles=profiles, clock=clock) is MessageStatus.PROCESSED
    )
    assert messages.get(FISCAL_CODE, stored.id) == first


def test_losing_a_race_to_another_delivery_keeps_the_winners_status(messages, profiles, clock):
    # GIVEN another delivery of the same reference that decides between our read and write
    profiles.save(Profile(fiscal_code=FISCAL_CODE))
    stored = messages.add(a_message())
    original_replace = messages.replace

    def replace_after_a_rival(message):
        messages.replace = original_replace
        original_replace(stored.rejected(RejectionReason.USER_NOT_FOUND, clock.now()))
        return original_replace(message)

    messages.replace = replace_after_a_rival
    # WHEN we process it
    status = _process(
        MessageRef(message_id=stored.id, fiscal_code=FISCAL_CODE),
        messages=messages,
        profiles=profiles,
        clock=clock,
    )
    # THEN the rival's decision stands, and ours was not written over it
    assert status is MessageStatus.REJECTED
    assert messages.get(FISCAL_CODE, stored.id).status is MessageStatus.REJECTED


def test_a_conflict_with_a_message_still_accepted_is_raised_for_a_retry(messages, profiles, clock):
    stored = messages.add(a_message())

    def always_conflicts(message):
        raise ConcurrentUpdateError("changed")

    messages.replace = always_conflicts
    with pytest.raises(ConcurrentUpdateError):
        _process(
            MessageRef(message_id=stored.id, fiscal_code=FISCAL_CODE),
            messages=messages,
            profiles=profiles,
            clock=clock,
        )


def test_reference_to_a_missing_message_is_dropped(messages, profiles, clock):
    ref = MessageRef(message_id="nope", fiscal_code=FISCAL_CODE)
    assert _process(ref, messages=messages, profiles=profiles, clock=clock) is None


def test_register_citizen_refuses_an_invalid_fiscal_code(profiles):
    with pytest.raises(ValidationError):
        register_citizen("RSSMRA80A01H501X", profiles=profiles)
    assert profiles.stored == {}
