"""Operator use cases on a service's status callback: set, rotate with an overlap, retire,
remove; the secret shown once and stored only sealed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import ValidationError as PydanticValidationError

from shared.domain.callback_signature import signature_headers, verify
from shared.domain.callbacks import CallbackTarget, SealedSecret
from shared.domain.errors import AlreadyExistsError, NotFoundError, ValidationError
from shared.domain.service import Service
from shared.services.callback_admin import (
    URL_POINTER,
    remove_callback,
    retire_callback_secrets,
    rotate_callback_secret,
    set_callback,
)
from tests.builders import a_service
from tests.fakes import FakeClock, FakeSecretBox, FakeServiceRepository
from tests.port_faults import LOST, FaultyPort

URL = "https://callbacks.comune.example.it/postino"


@dataclass
class World:
    services: Any = field(default_factory=FakeServiceRepository)
    box: FakeSecretBox = field(default_factory=FakeSecretBox)
    clock: FakeClock = field(default_factory=FakeClock)


@pytest.fixture
def world() -> World:
    world = World()
    world.services.add(a_service("svc-1"))
    return world


def _set(world, url: str = URL, *, allow_loopback_http: bool = False):
    return set_callback(
        "svc-1",
        url,
        services=world.services,
        sealer=world.box,
        clock=world.clock,
        allow_loopback_http=allow_loopback_http,
    )


def _rotate(world):
    return rotate_callback_secret(
        "svc-1", services=world.services, sealer=world.box, clock=world.clock
    )


def _opened(world) -> list[bytes]:
    callback = world.services.get("svc-1").callback
    return [world.box.open(secret.sealed, service_id="svc-1") for secret in callback.secrets]


def test_the_first_set_issues_a_secret_that_is_stored_only_sealed(world):
    # WHEN the operator sets the service's callback
    change = _set(world)
    # THEN the service calls back there, with one secret, stored sealed, shown once
    stored = world.services.get("svc-1").callback
    assert stored.url == URL
    assert [secret.id for secret in stored.secrets] == [change.issued.id]
    assert stored.secrets[0].created_at == world.clock.now()
    assert change.issued.secret not in stored.secrets[0].sealed
    assert change.issued.secret not in repr(stored)
    assert _opened(world) == [change.issued.secret.encode()]


def test_the_secret_shown_is_the_key_a_receiver_verifies_with(world):
    issued = _set(world).issued
    body = b'{"id":"e1"}'
    headers = signature_headers(_opened(world), event_id="e1", timestamp=1000, body=body)
    assert verify(issued.secret.encode("utf-8"), headers, body, now=1000)


def test_setting_it_again_changes_the_url_and_keeps_the_secrets(world):
    first = _set(world)
    change = _set(world, "https://new-receiver.example.com/hook")
    assert change.issued is None
    stored = world.services.get("svc-1").callback
    assert stored.url == "https://new-receiver.example.com/hook"
    assert [secret.id for secret in stored.secrets] == [first.issued.id]


def test_a_url_that_may_not_be_called_is_refused_and_nothing_changes(world):
    with pytest.raises(ValidationError) as refused:
        _set(world, "http://10.0.0.7/hook")
    assert {error.pointer for error in refused.value.errors} == {URL_POINTER}
    assert len(refused.value.errors) == 2  # not https, not a public address
    assert world.services.get("svc-1").callback is None


def test_a_loopback_url_is_accepted_only_where_the_local_run_allows_it(world):
    with pytest.raises(ValidationError):
        _set(world, "http://127.0.0.1:7072/callbacks")
    assert _set(world, "http://127.0.0.1:7072/callbacks", allow_loopback_http=True).issued


def test_an_unknown_service_is_not_found():
    with pytest.raises(NotFoundError):
        set_callback(
            "nobody",
            URL,
            services=FakeServiceRepository(),
            sealer=FakeSecretBox(),
            clock=FakeClock(),
            allow_loopback_http=False,
        )


def test_rotation_adds_a_secret_and_keeps_the_old_one_until_retired(world):
    # GIVEN a callback with its first secret
    first = _set(world).issued
    # WHEN the secret is rotated
    world.clock.advance(days=1)
    second = _rotate(world).issued
    # THEN both sign (oldest first), each verifiable with what was shown
    assert _opened(world) == [first.secret.encode(), second.secret.encode()]
    # WHEN the old one is retired THEN only the new one is left
    change = retire_callback_secrets("svc-1", services=world.services)
    assert change.retired == 1
    assert _opened(world) == [second.secret.encode()]
    assert world.services.get("svc-1").callback.newest.id == second.id


def test_a_third_secret_is_refused_until_the_rotation_is_retired(world):
    _set(world)
    _rotate(world)
    with pytest.raises(AlreadyExistsError, match="retire"):
        _rotate(world)
    assert len(world.services.get("svc-1").callback.secrets) == 2


def test_retiring_with_one_secret_changes_nothing(world):
    issued = _set(world).issued
    assert retire_callback_secrets("svc-1", services=world.services).retired == 0
    assert _opened(world) == [issued.secret.encode()]


def test_remove_forgets_the_url_and_the_secrets(world):
    _set(world)
    remove_callback("svc-1", services=world.services)
    assert world.services.get("svc-1").callback is None


@pytest.mark.parametrize(
    "action",
    [
        _rotate,
        lambda world: retire_callback_secrets("svc-1", services=world.services),
        lambda world: remove_callback("svc-1", services=world.services),
    ],
)
def test_changing_secrets_of_a_service_without_a_callback_is_not_found(world, action):
    with pytest.raises(NotFoundError, match="no callback"):
        action(world)


def test_a_lost_reply_is_written_again_so_the_secret_shown_is_the_one_stored(world):
    # GIVEN the services' store loses the reply of the first write
    _set(world)
    world.services = FaultyPort(world.services, "replace", [LOST])
    # WHEN the secret is rotated
    issued = _rotate(world).issued
    # THEN the rotation is stored, and the secret printed is the one that signs
    assert _opened(world)[-1] == issued.secret.encode()
    assert world.services.calls == 2


def test_a_service_document_stored_before_callbacks_loads_without_one():
    document = a_service("svc-old").model_dump(mode="json")
    del document["callback"]
    assert Service.model_validate(document).callback is None


def test_a_callback_holds_one_or_two_secrets():
    sealed = SealedSecret(id="cbs_00000001", sealed="x", created_at=FakeClock().now())
    with pytest.raises(PydanticValidationError):
        CallbackTarget(url=URL, secrets=())
    with pytest.raises(PydanticValidationError):
        CallbackTarget(url=URL, secrets=(sealed, sealed, sealed))
    assert "sealed=" not in repr(sealed)
