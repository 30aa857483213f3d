"""A push to the citizen for every new message, over HTTP through the offline host: one per
message, anonymous by default, the service and subject when the citizen chose FULL, none
when they turned pushes off or blocked the service."""

from __future__ import annotations

import time

import pytest
import requests

from shared.bootstrap import build_app
from shared.domain.api_keys import hash_api_key
from shared.domain.message import Message, MessageStatus
from shared.domain.service_messages import ServiceMessageFilter
from tests.builders import SUBJECT, message_body, random_fiscal_code
from tests.e2e.conftest import (
    INSTITUTION_KEY_HEADER,
    citizen_call,
    register_service,
    send_message,
    wait_processed,
)
from tests.e2e.push_inbox import PushInbox

PROFILE = "/api/v1/citizen/profile"


@pytest.fixture(scope="module")
def inbox(local_stack) -> PushInbox:
    return PushInbox(local_stack.settings)


@pytest.fixture(scope="module")
def key(local_stack) -> str:
    return register_service(local_stack.settings)


def _citizen(host, **profile) -> str:
    fiscal_code = random_fiscal_code()
    response = requests.put(
        host.url(PROFILE), json=profile, headers=citizen_call(fiscal_code), timeout=10
    )
    assert response.status_code == 201, response.text
    return fiscal_code


def _outbox(local_stack, fiscal_code: str, message_id: str):
    message = build_app(local_stack.settings).messages.get(fiscal_code, message_id)
    assert message is not None
    return message


def _indexed_pushes(local_stack, message: Message) -> int:
    """The pushes the sender's index counts for `message` (its write follows the
    message's, so it is waited for)."""
    index = build_app(local_stack.settings).message_index
    assert index is not None
    where = ServiceMessageFilter(message.sender_service_id)
    deadline = time.monotonic() + 10
    while True:
        (entry,) = [found for found in index.page(where, 100) if found.id == message.id]
        if entry.pushes or time.monotonic() > deadline:
            return entry.pushes
        time.sleep(0.2)


def test_a_new_message_gives_one_anonymous_push_in_the_citizens_language(
    offline_host, local_stack, inbox, key
):
    # GIVEN a citizen registered with the defaults, who reads German
    fiscal_code = _citizen(offline_host, preferred_languages=["de_DE"])
    # WHEN a service sends them a message
    message_id = send_message(offline_host, key, fiscal_code, message_body())
    wait_processed(offline_host, key, fiscal_code, message_id)
    # THEN their devices get one push, which says nothing of the message
    (push,) = inbox.wait_for(message_id)
    assert (push.title, push.body, push.language) == (
        "Neue Nachricht",
        "Sie haben eine neue Nachricht",
        "de",
    )
    assert push.collapse_key == message_id
    assert fiscal_code not in push.tag
    # AND once its event left the outbox, there is no second one
    offline_host.run_function("SweepAcceptedMessages", {})
    assert _outbox(local_stack, fiscal_code, message_id).outbox == ()
    assert len(inbox.pushes(message_id)) == 1
    # AND operators' counts have it: on the message, then in its sender's index
    pushed = _outbox(local_stack, fiscal_code, message_id)
    assert pushed.pushes_sent == 1
    assert _indexed_pushes(local_stack, pushed) == 1


def test_a_citizen_who_chose_full_content_sees_the_service_and_the_subject(
    offline_host, local_stack, inbox, key
):
    fiscal_code = _citizen(offline_host, push_notifications_content_type="FULL")

    message_id = send_message(offline_host, key, fiscal_code, message_body())
    wait_processed(offline_host, key, fiscal_code, message_id)

    (push,) = inbox.wait_for(message_id)
    assert (push.title, push.body) == ("Tributi", SUBJECT)


def test_no_push_when_the_citizen_turned_them_off(offline_host, local_stack, inbox, key):
    # GIVEN a citizen who turned pushes of new messages off, and a message to them
    quiet = _citizen(offline_host, is_new_message_push_enabled=False)
    sent_quiet = send_message(offline_host, key, quiet, message_body())
    wait_processed(offline_host, key, quiet, sent_quiet)
    # THEN the delivered message holds no push event, and a message to a citizen who wants
    # pushes, sent after it, gets its push while the first still has none
    assert _outbox(local_stack, quiet, sent_quiet).outbox == ()
    loud = _citizen(offline_host)
    sent_loud = send_message(offline_host, key, loud, message_body())
    inbox.wait_for(sent_loud)
    assert inbox.pushes(sent_quiet) == []


def test_a_blocked_service_never_pushes(offline_host, local_stack, inbox):
    key = register_service(local_stack.settings)
    fiscal_code = _citizen(
        offline_host, preference_mode="LEGACY", blocked_services=[_service_of(local_stack, key)]
    )

    response = requests.post(
        offline_host.url(f"/api/v1/messages/{fiscal_code}"),
        json=message_body(),
        headers={INSTITUTION_KEY_HEADER: key},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    message_id = response.json()["id"]

    message = _wait_decided(local_stack, fiscal_code, message_id)
    assert message.status is MessageStatus.REJECTED
    assert message.outbox == ()
    assert inbox.pushes(message_id) == []


def _service_of(local_stack, key: str) -> str:
    record = build_app(local_stack.settings).api_keys.get(hash_api_key(key))
    assert record is not None
    return record.service_id


def _wait_decided(local_stack, fiscal_code: str, message_id: str):
    app = build_app(local_stack.settings)
    deadline = time.monotonic() + 15
    while True:
        message = app.messages.get(fiscal_code, message_id)
        assert message is not None
        if message.status is not MessageStatus.ACCEPTED:
            return message
        assert time.monotonic() < deadline
        time.sleep(0.2)
