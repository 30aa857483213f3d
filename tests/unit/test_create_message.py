"""create_message over the fakes: acceptance, entitlements, Idempotency-Key. Each request
is parsed as the entry point does (validate_new_message) before the use case sees it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from shared.domain.errors import (
    ForbiddenError,
    IdempotencyMismatchError,
    MessageMaybeStoredError,
    StorageUnavailableError,
    ValidationError,
)
from shared.domain.idempotency import check_idempotency_key
from shared.domain.message import MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.domain.service import Service, Tier
from shared.services.create_message import Accepted, create_message
from tests.builders import FISCAL_CODE, OTHER_FISCAL_CODE, a_service, message_body, message_json
from tests.fakes import (
    FakeAttachmentStore,
    FakeClock,
    FakeIdempotencyStore,
    FakeMessageQueue,
    FakeMessageRepository,
)
from tests.port_faults import (
    CRASH,
    CRASH_BEFORE,
    LOST,
    REFUSED,
    FaultyPort,
    SimulatedCrashError,
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
            *validate_new_message(fiscal_code, message_json() if body is None else body),
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
def test_malformed_keys_are_a_validation_error(key):
    # The entry point checks the header before create_message is called.
    with pytest.raises(ValidationError) as caught:
        check_idempotency_key(key)
    assert caught.value.errors[0].pointer == "/headers/Idempotency-Key"


# Faults: once the message may be stored it is never deleted; every attempt with one key
# ends on one message id (docs/reliability.md, "Acceptance").


def test_a_lost_answer_to_the_message_write_is_resolved_under_the_same_id(ports):
    # GIVEN a write that lands but whose answer is lost
    ports.messages = FaultyPort(ports.messages, "add", [LOST])
    # WHEN a message is sent without a key
    accepted = ports.create()
    # THEN it is accepted once: the second write found the first one's document
    assert not accepted.replayed
    assert [m.id for m in ports.messages.stored.values()] == [accepted.message.id]
    assert [ref.message_id for ref in ports.queue.sent] == [accepted.message.id]


def test_a_lost_answer_then_an_unreachable_store_is_reported_maybe_stored_under_its_id(ports):
    ports.messages = FaultyPort(ports.messages, "add", [LOST, REFUSED])
    with pytest.raises(MessageMaybeStoredError) as caught:
        ports.create()
    # THEN the error names the id the document may be stored under, and it is
    (stored,) = ports.messages.stored.values()
    assert caught.value.message_id == stored.id
    assert stored.status is MessageStatus.ACCEPTED  # the sweeper will deliver it


def test_a_retry_after_a_lost_answer_finds_the_message_instead_of_creating_a_second(ports):
    # GIVEN the lost-reply mechanism: a keyed request whose message write landed while
    # every answer was lost, then the store became unreachable
    ports.messages = FaultyPort(ports.messages, "add", [LOST, REFUSED])
    with pytest.raises(MessageMaybeStoredError) as caught:
        ports.create(key="k-1")
    # WHEN the client retries with its key
    retried = ports.create(key="k-1")
    # THEN it learns the first id, and there is one message
    assert (retried.replayed, retried.message.id) == (True, caught.value.message_id)
    assert len(ports.messages.stored) == 1


def test_a_message_surely_not_stored_is_written_by_the_retry_under_the_keys_id(ports):
    ports.messages = FaultyPort(ports.messages, "add", [REFUSED])
    with pytest.raises(StorageUnavailableError, match="not stored"):
        ports.create(key="k-1")
    assert ports.messages.stored == {}
    (reservation,) = ports.idempotency.stored.values()
    retried = ports.create(key="k-1")
    assert (retried.replayed, retried.message.id) == (False, reservation.message_id)


def test_a_lost_answer_to_the_reservation_is_resolved_by_finding_it(ports):
    ports.idempotency = FaultyPort(ports.idempotency, "reserve", [LOST])
    accepted = ports.create(key="k-1")
    (reservation,) = ports.idempotency.stored.values()
    assert accepted.message.id == reservation.message_id
    assert not accepted.replayed


def test_a_failed_enqueue_still_answers_accepted_and_leaves_the_message_to_the_sweeper(ports):
    # GIVEN a queue that is down
    ports.queue = FaultyPort(ports.queue, "send", [REFUSED])
    # WHEN a message is sent
    accepted = ports.create(key="k-1")
    # THEN it is accepted (stored, not queued) and nothing is withdrawn
    assert (accepted.replayed, accepted.queued) == (False, False)
    stored = ports.messages.get(FISCAL_CODE, accepted.message.id)
    assert stored is not None
    assert stored.status is MessageStatus.ACCEPTED


def test_a_replay_while_the_first_is_still_enqueueing_stays_true_when_the_enqueue_fails(
    ports,
):
    # GIVEN the replay mechanism: request A stored M1 and is stuck on its enqueue
    class _StuckQueue:
        def __init__(self) -> None:
            self.while_stuck: Accepted | None = None

        def send(self, ref: MessageRef) -> None:
            self.while_stuck = ports_before.create(key="k-1")  # the client's retry
            raise StorageUnavailableError("the storage queue is unreachable")

    ports_before = Ports(ports.messages, FakeMessageQueue(), ports.idempotency, ports.clock)
    stuck = _StuckQueue()
    ports.queue = stuck
    # WHEN the retry is answered meanwhile, and A's enqueue then fails
    first = ports.create(key="k-1")
    # THEN both answers name M1, and M1 still exists
    assert stuck.while_stuck is not None
    assert stuck.while_stuck.replayed
    assert stuck.while_stuck.message.id == first.message.id
    assert ports.messages.get(FISCAL_CODE, first.message.id) is not None


def test_a_retry_right_after_a_crash_continues_at_once_with_the_reserved_id(ports):
    # GIVEN a first attempt that reserved its key and died before writing the message
    ports.messages = FaultyPort(ports.messages, "add", [CRASH_BEFORE])
    with pytest.raises(SimulatedCrashError):
        ports.create(key="k-1")
    (reservation,) = ports.idempotency.stored.values()
    # WHEN the client retries at once (no lease to wait out)
    retried = ports.create(key="k-1")
    # THEN the message is written under the reserved id
    assert (retried.replayed, retried.message.id) == (False, reservation.message_id)


def test_two_attempts_with_one_key_at_once_store_one_message(ports):
    # GIVEN an attempt that wrote the message and died before answering
    ports.messages = FaultyPort(ports.messages, "add", [CRASH])
    with pytest.raises(SimulatedCrashError):
        ports.create(key="k-1")
    # WHEN another attempt with the key runs
    again = ports.create(key="k-1")
    # THEN it replays that message
    assert again.replayed
    assert len(ports.messages.stored) == 1


def test_the_accepted_message_names_the_fields_it_ignored(ports):
    accepted = ports.create(message_json(third_party_data={"id": "x"}, time_to_lve=1))
    assert accepted.ignored_fields == ("third_party_data", "time_to_lve")
    assert ports.create(message_json()).ignored_fields == ()


def test_a_replay_names_the_ignored_fields_again(ports):
    body = message_json(default_addresses={"email": "someone@example.org"})
    ports.create(body, key="k-1")
    again = ports.create(body, key="k-1")
    assert again.replayed
    assert again.ignored_fields == ("default_addresses",)
