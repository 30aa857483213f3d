"""create_message over the fakes: acceptance, entitlements, Idempotency-Key."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from shared.domain.errors import (
    ForbiddenError,
    IdempotencyInProgressError,
    IdempotencyMismatchError,
    StorageUnavailableError,
    ValidationError,
)
from shared.domain.message import MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.service import Service, Tier
from shared.services.create_message import RESERVATION_LEASE, Accepted, create_message
from tests.builders import FISCAL_CODE, OTHER_FISCAL_CODE, a_service, message_body, message_json
from tests.fakes import (
    FakeAttachmentStore,
    FakeClock,
    FakeIdempotencyStore,
    FakeMessageQueue,
    FakeMessageRepository,
)


@dataclass
class Ports:
    messages: FakeMessageRepository
    queue: FakeMessageQueue
    idempotency: FakeIdempotencyStore
    clock: FakeClock
    attachments: FakeAttachmentStore = field(default_factory=FakeAttachmentStore)

    def create(
        self,
        body: bytes | None = None,
        *,
        service: Service | None = None,
        key: str | None = None,
        fiscal_code: str | None = FISCAL_CODE,
    ) -> Accepted:
        return create_message(
            service or a_service(),
            fiscal_code,
            message_json() if body is None else body,
            idempotency_key=key,
            messages=self.messages,
            queue=self.queue,
            idempotency=self.idempotency,
            attachments=self.attachments,
            clock=self.clock,
        )


@pytest.fixture
def ports() -> Ports:
    return Ports(FakeMessageRepository(), FakeMessageQueue(), FakeIdempotencyStore(), FakeClock())


def _payment_body(amount: int = 5000, **payment) -> bytes:
    body = message_body()
    body["content"]["due_date"] = "2026-12-31T00:00:00Z"
    body["content"]["payment_data"] = {
        "amount": amount,
        "notice_number": "302000000000000001",
        **payment,
    }
    return json.dumps(body).encode()


def test_records_accepted_and_enqueues_only_its_reference(ports):
    message = ports.create().message
    assert ports.messages.get(FISCAL_CODE, message.id).status is MessageStatus.ACCEPTED
    assert message.created_at == ports.clock.now()
    assert ports.queue.sent == [MessageRef(message_id=message.id, fiscal_code=FISCAL_CODE)]


def test_invalid_message_is_neither_stored_nor_enqueued(ports):
    with pytest.raises(ValidationError):
        ports.create(b"{}")
    assert ports.messages.stored == {}
    assert ports.queue.sent == []


def test_basic_service_may_not_send_advanced(ports):
    with pytest.raises(ForbiddenError, match="Premium") as caught:
        ports.create(message_json(feature_level_type="ADVANCED"))
    assert caught.value.pointer == "/feature_level_type"


def test_premium_service_may_send_advanced(ports):
    premium = a_service(tier=Tier.PREMIUM)
    message = ports.create(message_json(feature_level_type="ADVANCED"), service=premium).message
    assert message.feature_level_type == "ADVANCED"


def test_service_with_payment_cap_zero_may_not_send_payment_notices(ports):
    with pytest.raises(ForbiddenError, match="max_allowed_payment_amount"):
        ports.create(_payment_body())
    assert ports.messages.stored == {}


@pytest.mark.parametrize(("amount", "allowed"), [(10000, True), (10001, False)])
def test_payment_amount_is_capped_by_the_service(ports, amount, allowed):
    service = a_service(max_allowed_payment_amount=10000)
    if allowed:
        ports.create(_payment_body(amount), service=service)
    else:
        with pytest.raises(ForbiddenError) as caught:
            ports.create(_payment_body(amount), service=service)
        assert caught.value.pointer == "/content/payment_data/amount"


def test_payee_defaults_to_the_services_organization(ports):
    service = a_service(max_allowed_payment_amount=10000, organization_fiscal_code="99999999999")
    message = ports.create(_payment_body(), service=service).message
    assert message.content.payment_data.payee.fiscal_code == "99999999999"


def test_an_explicit_payee_is_kept(ports):
    service = a_service(max_allowed_payment_amount=10000)
    body = _payment_body(payee={"fiscal_code": "12345678901"})
    message = ports.create(body, service=service).message
    assert message.content.payment_data.payee.fiscal_code == "12345678901"


def test_limited_service_may_only_write_to_its_authorized_recipients(ports):
    limited = a_service(is_limited=True, authorized_recipients=frozenset({OTHER_FISCAL_CODE}))
    with pytest.raises(ForbiddenError, match="limited"):
        ports.create(service=limited)
    assert ports.create(service=limited, fiscal_code=OTHER_FISCAL_CODE).message


def test_same_key_and_body_replays_the_first_message(ports):
    first = ports.create(key="k-1")
    ports.clock.advance(seconds=5)
    again = ports.create(key="k-1")
    assert (again.replayed, again.message.id) == (True, first.message.id)
    assert len(ports.messages.stored) == 1
    assert len(ports.queue.sent) == 1


def test_same_body_in_other_whitespace_and_key_order_is_the_same_request(ports):
    first = ports.create(key="k-1")
    reordered = json.dumps(message_body(), indent=4, sort_keys=True).encode()
    assert ports.create(reordered, key="k-1").message.id == first.message.id


def test_same_key_with_a_different_body_is_refused(ports):
    ports.create(key="k-1")
    with pytest.raises(IdempotencyMismatchError):
        ports.create(message_json(time_to_live=7200), key="k-1")


def test_same_key_to_another_recipient_is_a_different_request(ports):
    ports.create(key="k-1")
    with pytest.raises(IdempotencyMismatchError):
        ports.create(key="k-1", fiscal_code=OTHER_FISCAL_CODE)


def test_keys_are_scoped_per_service(ports):
    first = ports.create(key="k-1", service=a_service("svc-1"))
    second = ports.create(key="k-1", service=a_service("svc-2"))
    assert first.message.id != second.message.id
    assert not second.replayed


@pytest.mark.parametrize("key", ["", "x" * 256, "line\nbreak", "é"])
def test_malformed_keys_are_a_validation_error(ports, key):
    with pytest.raises(ValidationError) as caught:
        ports.create(key=key)
    assert caught.value.errors[0].pointer == "/headers/Idempotency-Key"


def _reserve_without_finishing(ports: Ports, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first request that reserved its key and then died before storing the message."""

    def crash(message):
        raise KeyboardInterrupt("process killed")

    with monkeypatch.context() as patch:
        patch.setattr(ports.messages, "add", crash)
        with pytest.raises(KeyboardInterrupt):
            ports.create(key="k-1")


def test_a_request_while_the_first_is_in_flight_is_told_to_retry(ports, monkeypatch):
    _reserve_without_finishing(ports, monkeypatch)
    ports.clock.advance(seconds=1)
    with pytest.raises(IdempotencyInProgressError):
        ports.create(key="k-1")


def test_a_reservation_abandoned_past_its_lease_is_taken_over(ports, monkeypatch):
    _reserve_without_finishing(ports, monkeypatch)
    (reserved,) = ports.idempotency.stored.values()
    ports.clock.current += RESERVATION_LEASE
    accepted = ports.create(key="k-1")
    assert accepted.message.id == reserved.message_id
    assert not accepted.replayed
    assert ports.create(key="k-1").replayed


def test_a_storage_failure_releases_the_key_for_an_immediate_retry(ports, monkeypatch):
    def unavailable(message):
        raise StorageUnavailableError("Cosmos DB answered 503")

    with monkeypatch.context() as patch:
        patch.setattr(ports.messages, "add", unavailable)
        with pytest.raises(StorageUnavailableError):
            ports.create(key="k-1")
    assert ports.idempotency.stored == {}
    assert not ports.create(key="k-1").replayed
