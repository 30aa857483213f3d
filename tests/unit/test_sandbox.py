"""Test keys and the sandbox: a test message gets a live message's answers, its outcome
from its sandbox fiscal code, and reaches no citizen (no push, no reminder, no inbox)."""

from __future__ import annotations

import pytest

from shared.domain.errors import ForbiddenError, NotFoundError, ValidationError
from shared.domain.events import EventType
from shared.domain.fiscal_code import is_valid_fiscal_code
from shared.domain.message import MessageStatus, RejectionReason
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.domain.profile import Profile
from shared.domain.sandbox import (
    SANDBOX_OUTCOMES,
    SANDBOX_PROCESSED,
    SANDBOX_SERVICE_NOT_ALLOWED,
    SANDBOX_USER_NOT_FOUND,
    TEST_MESSAGE_RETENTION_SECONDS,
    refuse_sandbox_citizen,
)
from shared.domain.service import Tier
from shared.services.check_recipient import check_recipient
from shared.services.create_message import Accepted, create_message
from shared.services.get_message_status import get_message_status
from shared.services.message_status_by_id import get_message_status_by_id
from shared.services.process_message import process_message
from tests.builders import FISCAL_CODE, a_service, message_json
from tests.fakes import (
    FakeAttachmentStore,
    FakeIdempotencyStore,
    FakeMessageQueue,
    FakePaymentRepository,
    FakeProfileRepository,
)
from tests.unit.test_message_events import World


class Sandbox(World):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.sent = FakeMessageQueue()
        self.idempotency = FakeIdempotencyStore()

    def send(self, fiscal_code: str, *, test: bool = True, key: str | None = None) -> Accepted:
        return create_message(
            a_service(),
            *validate_new_message(fiscal_code, message_json()),
            idempotency_key=key,
            messages=self.messages,
            queue=self.sent,
            idempotency=self.idempotency,
            attachments=FakeAttachmentStore(),
            clock=self.clock,
            test=test,
        )

    def sent_and_processed(self, fiscal_code: str) -> MessageRef:
        accepted = self.send(fiscal_code)
        ref = MessageRef(message_id=accepted.message.id, fiscal_code=fiscal_code)
        self.process(ref)
        return ref


@pytest.mark.parametrize("code", list(SANDBOX_OUTCOMES))
def test_every_sandbox_code_is_a_valid_fiscal_code_of_nobody(code):
    assert is_valid_fiscal_code(code)
    day = int(code[9:11])  # 00: no man (01-31) and no woman (41-71) is born on it
    assert not 1 <= day <= 31
    assert not 41 <= day <= 71
    assert code[11:15] == "Z000"


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        (SANDBOX_PROCESSED, MessageStatus.PROCESSED, None),
        (SANDBOX_USER_NOT_FOUND, MessageStatus.REJECTED, RejectionReason.USER_NOT_FOUND),
        (SANDBOX_SERVICE_NOT_ALLOWED, MessageStatus.REJECTED, RejectionReason.SERVICE_NOT_ALLOWED),
    ],
)
def test_a_test_message_gets_the_outcome_of_its_sandbox_code(code, status, reason):
    world = Sandbox()

    stored = world.stored(world.sent_and_processed(code))

    assert (stored.status, stored.rejection_reason, stored.test) == (status, reason, True)
    assert stored.retention_seconds == TEST_MESSAGE_RETENTION_SECONDS


def test_the_sandbox_code_decides_even_if_a_profile_exists_under_it():
    world = Sandbox()
    world.profiles.save(Profile(fiscal_code=SANDBOX_USER_NOT_FOUND))

    stored = world.stored(world.sent_and_processed(SANDBOX_USER_NOT_FOUND))

    assert stored.rejection_reason is RejectionReason.USER_NOT_FOUND


def test_a_processed_test_message_pushes_nothing_but_calls_its_service_back():
    world = Sandbox()
    world.profiles.save(Profile(fiscal_code=SANDBOX_PROCESSED))  # would want pushes

    ref = world.sent_and_processed(SANDBOX_PROCESSED)

    assert world.types(ref) == [EventType.PROCESSED]


def test_a_processed_test_message_is_never_put_on_the_reminder_schedule():
    world = Sandbox(tier=Tier.PREMIUM)
    accepted = world.send(SANDBOX_PROCESSED)
    ref = MessageRef(message_id=accepted.message.id, fiscal_code=SANDBOX_PROCESSED)
    planned: list[str] = []

    class Planner:
        def plan(self, message):
            planned.append(message.id)

    status = process_message(
        ref,
        messages=world.messages,
        profiles=world.profiles,
        attachments=world.attachments,
        clock=world.clock,
        rejected_retention_seconds=3600,
        reminders=Planner(),  # type: ignore[arg-type]
    )

    assert status is MessageStatus.PROCESSED
    assert planned == []


def test_a_test_key_may_not_write_to_a_citizen_and_the_refusal_names_the_field():
    world = Sandbox()

    with pytest.raises(ForbiddenError) as refused:
        world.send(FISCAL_CODE)

    assert refused.value.pointer == "/fiscal_code"
    assert SANDBOX_PROCESSED in str(refused.value)
    assert world.messages.stored == {}


def test_a_test_key_gets_the_same_validation_errors_as_a_live_key():
    world = Sandbox()

    with pytest.raises(ValidationError) as invalid:
        world.send("RSSMRA80A01H501X")  # wrong check character

    assert [error.pointer for error in invalid.value.errors] == ["/fiscal_code"]


def test_a_limited_service_may_send_to_the_sandbox_with_its_test_key():
    world = Sandbox()
    accepted = create_message(
        a_service(is_limited=True),
        *validate_new_message(SANDBOX_PROCESSED, message_json()),
        messages=world.messages,
        queue=world.sent,
        idempotency=world.idempotency,
        attachments=FakeAttachmentStore(),
        clock=world.clock,
        test=True,
    )
    assert accepted.message.test


def test_an_idempotency_key_replays_a_test_message_and_never_a_live_one():
    world = Sandbox()
    live = world.send(SANDBOX_PROCESSED, test=False, key="order-1")

    first = world.send(SANDBOX_PROCESSED, key="order-1")
    again = world.send(SANDBOX_PROCESSED, key="order-1")

    assert first.message.id != live.message.id
    assert first.message.test
    assert (again.replayed, again.message.id) == (True, first.message.id)


def _status(world: Sandbox, message_id: str, *, test_key: bool, by_id: bool = False):
    payments = FakePaymentRepository()
    if by_id:
        return get_message_status_by_id(
            a_service(),
            message_id,
            messages=world.messages,
            profiles=world.profiles,
            payments=payments,
            test_key=test_key,
        )
    return get_message_status(
        a_service(),
        SANDBOX_PROCESSED,
        message_id,
        messages=world.messages,
        profiles=world.profiles,
        payments=payments,
        test_key=test_key,
    )


def test_a_test_key_reads_its_test_messages_and_no_live_message():
    world = Sandbox()
    test_id = world.send(SANDBOX_PROCESSED).message.id
    live_id = world.send(SANDBOX_PROCESSED, test=False).message.id

    assert _status(world, test_id, test_key=True).message.test
    assert _status(world, test_id, test_key=True, by_id=True).message.test
    assert not _status(world, live_id, test_key=False).message.test
    with pytest.raises(NotFoundError):
        _status(world, live_id, test_key=True)
    with pytest.raises(NotFoundError):
        _status(world, live_id, test_key=True, by_id=True)


@pytest.mark.parametrize("code", list(SANDBOX_OUTCOMES))
def test_no_citizen_acts_under_a_sandbox_code(code):
    with pytest.raises(ValidationError) as refused:
        refuse_sandbox_citizen(code, "/headers/Citizen-Fiscal-Code")
    assert refused.value.errors[0].pointer == "/headers/Citizen-Fiscal-Code"


def test_a_real_code_is_no_sandbox_code():
    refuse_sandbox_citizen(FISCAL_CODE, "/headers/Citizen-Fiscal-Code")  # no error


def test_the_recipient_check_of_a_test_key_answers_as_each_sandbox_code_decides():
    profiles = FakeProfileRepository()
    profiles.save(Profile(fiscal_code=FISCAL_CODE))

    def check(code: str):
        return check_recipient(a_service(), code, profiles=profiles, test=True)

    assert check(SANDBOX_PROCESSED).sender_allowed
    assert not check(SANDBOX_SERVICE_NOT_ALLOWED).sender_allowed
    with pytest.raises(NotFoundError):
        check(SANDBOX_USER_NOT_FOUND)
    with pytest.raises(ForbiddenError):
        check(FISCAL_CODE)  # a registered citizen: nothing to learn with a test key
