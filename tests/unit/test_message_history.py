"""An operator follows a message's statuses without seeing its content or recipient."""

from __future__ import annotations

import dataclasses

import pytest

from shared.domain.errors import NotFoundError, ValidationError
from shared.domain.message import FailureReason, MessageStatus, RejectionReason
from shared.services.message_history import message_history
from tests.builders import FISCAL_CODE, MARKDOWN, SUBJECT, a_message
from tests.fakes import FakeClock, FakeMessageRepository

MESSAGE_ID = "01JCZ0000000000000000000AA"


@pytest.fixture
def messages():
    return FakeMessageRepository()


def _failed_then_redriven_then_rejected(messages, clock):
    message = a_message(MESSAGE_ID)
    clock.advance(minutes=5)
    message = message.failed(FailureReason.RETRIES_EXHAUSTED, clock.now())
    clock.advance(minutes=5)
    message = message.redriven(clock.now())
    clock.advance(seconds=2)
    return messages.add(message.rejected(RejectionReason.USER_NOT_FOUND, clock.now()))


@pytest.mark.parametrize("fiscal_code", [FISCAL_CODE, None])
def test_shows_every_status_change_with_or_without_the_fiscal_code(messages, fiscal_code):
    clock = FakeClock()
    stored = _failed_then_redriven_then_rejected(messages, clock)
    history = message_history(MESSAGE_ID, fiscal_code=fiscal_code, messages=messages)
    assert [(change.status, change.reason) for change in history.changes] == [
        (MessageStatus.ACCEPTED, None),
        (MessageStatus.FAILED, "RETRIES_EXHAUSTED"),
        (MessageStatus.ACCEPTED, "REDRIVEN"),
        (MessageStatus.REJECTED, "USER_NOT_FOUND"),
    ]
    assert history.status is MessageStatus.REJECTED
    assert history.rejection_reason is RejectionReason.USER_NOT_FOUND
    assert history.redeliveries == 1
    assert history.status_changed_at == clock.now()
    assert history.sender_service_id == stored.sender_service_id


def test_the_history_carries_no_content_and_no_fiscal_code(messages):
    messages.add(a_message(MESSAGE_ID))
    shown = repr(dataclasses.asdict(message_history(MESSAGE_ID, messages=messages)))
    for secret in (FISCAL_CODE, SUBJECT, MARKDOWN):
        assert secret not in shown


def test_a_message_of_another_recipient_or_unknown_is_not_found(messages):
    messages.add(a_message(MESSAGE_ID))
    with pytest.raises(NotFoundError):
        message_history(MESSAGE_ID, fiscal_code="MRARSS80A01H501T", messages=messages)
    with pytest.raises(NotFoundError):
        message_history("01JCZ0000000000000000000BB", messages=messages)


def test_a_malformed_id_and_fiscal_code_are_bad_input_named_together(messages):
    with pytest.raises(ValidationError) as caught:
        message_history("not-a-ulid", fiscal_code="NOTACODE", messages=messages)
    assert [error.pointer for error in caught.value.errors] == ["/message_id", "/fiscal_code"]
