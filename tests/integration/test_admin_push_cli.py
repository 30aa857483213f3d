"""`push list` against Azurite: the pushes the app put on the push queue, seen by an operator
with their kind, language, message, tag and expiry, and never a fiscal code."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters.queues import queue_client
from shared.bootstrap import build_app
from shared.config import Settings
from shared.domain.citizen_hash import push_tag
from shared.domain.profile import PushContent
from shared.domain.push import ReminderKind, new_message_push, reminder_push
from tests.integration.admin_cli import run_cli, run_cli_json

FISCAL_CODE = "RSSMRA80A01H501U"


@pytest.fixture
def push_queue(local_stack, monkeypatch) -> Any:
    """A push queue of this test's own, named by PUSH_QUEUE for the CLI and the app."""
    name = f"cli-push-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("PUSH_QUEUE", name)
    client = queue_client(local_stack.storage, name)
    client.create_queue()
    yield name
    client.delete_queue()


def _send_two(local_stack, queue_name: str) -> list[Any]:
    """Two pushes sent through the app's push port (the queue: no hub is configured)."""
    settings: Settings = dataclasses.replace(local_stack.settings, push_queue=queue_name)
    tag = push_tag(FISCAL_CODE, settings.citizen_hash_key)
    pushes = [
        reminder_push(
            tag=tag,
            kind=ReminderKind.PAYMENT,
            preferred_languages=("en_GB",),
            message_id="01JCZ0000000000000000000C1",
            expires_at=datetime(2026, 12, 31, 0, 0, tzinfo=UTC),
        ),
        reminder_push(
            tag=tag,
            kind=ReminderKind.UNREAD,
            preferred_languages=("it_IT",),
            message_id="01JCZ0000000000000000000C2",
            expires_at=None,
        ),
    ]
    app = build_app(settings)
    for push in pushes:
        app.push.send(push)
    return pushes


def test_push_list_shows_what_the_app_sent_without_the_fiscal_code(local_stack, push_queue, capsys):
    # GIVEN two pushes sent by the app without a notification hub
    payment, unread = _send_two(local_stack, push_queue)
    # WHEN an operator lists the push queue, for scripts
    code, output = run_cli_json(capsys, "push", "list")
    # THEN both are there, in order, with every field and no fiscal code
    assert code == 0
    assert output["pushes"] == [
        {
            "kind": "PAYMENT",
            "language": "en",
            "message_id": payment.message_id,
            "tag": payment.tag,
            "collapse_key": payment.message_id,
            "expires_at": "2026-12-31T00:00:00+00:00",
            "title": "Reminder",
            "body": "You have a notice to pay",
        },
        {
            "kind": "UNREAD",
            "language": "it",
            "message_id": unread.message_id,
            "tag": unread.tag,
            "collapse_key": unread.message_id,
            "expires_at": None,
            "title": "Promemoria",
            "body": "Hai un messaggio non letto",
        },
    ]
    # AND for people: one row each, the text included; listing took nothing off the queue
    code, out, _ = run_cli(capsys, "push", "list")
    assert code == 0
    assert "KIND" in out
    assert "TAG" in out
    assert "Reminder: You have a notice to pay" in out
    assert payment.tag in out
    assert "2 shown" in out
    assert FISCAL_CODE not in out
    assert len(run_cli_json(capsys, "push", "list")[1]["pushes"]) == 2


def test_push_list_honours_its_limit(local_stack, push_queue, capsys):
    payment, _ = _send_two(local_stack, push_queue)
    code, output = run_cli_json(capsys, "push", "list", "--limit", "1")
    assert code == 0
    assert [item["message_id"] for item in output["pushes"]] == [payment.message_id]


def test_an_empty_push_queue_is_said_so(push_queue, capsys):
    code, out, _ = run_cli(capsys, "push", "list")
    assert (code, out.strip()) == (0, f"the push queue ({push_queue}) is empty")


def test_entries_that_are_not_pushes_are_left_out(local_stack, push_queue, capsys):
    queue_client(local_stack.storage, push_queue).send_message("not a push")
    _send_two(local_stack, push_queue)
    code, output = run_cli_json(capsys, "push", "list")
    assert code == 0
    assert [item["kind"] for item in output["pushes"]] == ["PAYMENT", "UNREAD"]


def test_push_list_shows_a_new_message_push_with_the_text_the_citizen_chose(
    local_stack, push_queue, capsys
):
    # GIVEN a new-message push of a citizen who chose full content
    settings: Settings = dataclasses.replace(local_stack.settings, push_queue=push_queue)
    push = new_message_push(
        tag=push_tag(FISCAL_CODE, settings.citizen_hash_key),
        preferred_languages=("it_IT",),
        content=PushContent.FULL,
        service_name="Ufficio Tributi",
        subject="La tua carta d'identità è pronta",
        message_id="01JCZ0000000000000000000C3",
    )
    build_app(settings).push.send(push)
    # WHEN an operator lists the push queue
    code, output = run_cli_json(capsys, "push", "list")
    # THEN it is there, of its own kind, with the service as title and the subject as body
    assert code == 0
    assert output["pushes"] == [
        {
            "kind": "NEW_MESSAGE",
            "language": "it",
            "message_id": push.message_id,
            "tag": push.tag,
            "collapse_key": push.message_id,
            "expires_at": None,
            "title": "Ufficio Tributi",
            "body": "La tua carta d'identità è pronta",
        }
    ]
    code, out, _ = run_cli(capsys, "push", "list")
    assert "NEW_MESSAGE" in out
    assert "Ufficio Tributi: La tua carta d'identità è pronta" in out


@pytest.mark.parametrize("limit", ["0", "33", "many"])
def test_a_limit_outside_1_to_32_exits_2(push_queue, capsys, limit):
    code, output = run_cli_json(capsys, "push", "list", "--limit", limit)
    assert code == 2
    assert output["errors"][0]["flag"] == "--limit"
