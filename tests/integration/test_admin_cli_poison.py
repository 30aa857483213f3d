"""`poison redrive --message-id` and `poison delete` against Azurite: what is looked at and
left alone stays visible (it used to be hidden for a minute, then come back)."""

from __future__ import annotations

import uuid

import pytest

from shared.adapters.queues import poison_queue_name, queue_client
from shared.domain.message_ref import MessageRef
from tests.builders import random_fiscal_code
from tests.integration.admin_cli import run_cli_json


@pytest.fixture
def poison(local_stack, monkeypatch):
    """The poison queue of a messages queue of this test's own, used by the CLI."""
    name = f"cli-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("MESSAGES_QUEUE", name)
    clients = [queue_client(local_stack.storage, q) for q in (name, poison_queue_name(name))]
    for client in clients:
        client.create_queue()
    yield clients[1]
    for client in clients:
        client.delete_queue()


def _ref(message_id: str) -> str:
    return MessageRef(message_id=message_id, fiscal_code=random_fiscal_code()).to_json()


def _visible(poison) -> list[str]:
    return sorted(message.content for message in poison.peek_messages(max_messages=32))


def test_redriving_one_message_leaves_the_others_listed(poison, capsys):
    # GIVEN a malformed entry and a reference to a message that is not stored
    poison.send_message("not a reference")
    poison.send_message(_ref("01JCZ0000000000000000000ZZ"))
    # WHEN an operator redrives another message id
    code, _ = run_cli_json(
        capsys, "poison", "redrive", "--message-id", "01JCZ0000000000000000000AA"
    )
    # THEN it is not found, and both entries are still listed, at once
    assert code == 1
    assert len(_visible(poison)) == 2
    code, output = run_cli_json(capsys, "poison", "list")
    assert len(output["poisoned"]) == 2


def test_poison_delete_drops_one_reference_and_leaves_the_others(poison, capsys):
    poison.send_message(_ref("01JCZ0000000000000000000AA"))
    poison.send_message("not a reference")
    code, output = run_cli_json(
        capsys, "poison", "delete", "--message-id", "01JCZ0000000000000000000AA", "--yes"
    )
    assert code == 0
    assert [item["message_id"] for item in output["deleted"]] == ["01JCZ0000000000000000000AA"]
    assert _visible(poison) == ["not a reference"]
    # AND a malformed entry is deleted by its queue message id, as `poison list` shows it
    (listed,) = run_cli_json(capsys, "poison", "list")[1]["poisoned"]
    code, output = run_cli_json(
        capsys, "poison", "delete", "--queue-message-id", listed["queue_message_id"], "--yes"
    )
    assert code == 0
    assert _visible(poison) == []


def test_poison_delete_all_empties_the_queue(poison, capsys):
    for index in range(3):
        poison.send_message(_ref(f"01JCZ00000000000000000000{index}"))
    code, output = run_cli_json(capsys, "poison", "delete", "--all", "--yes")
    assert code == 0
    assert len(output["deleted"]) == 3
    assert _visible(poison) == []


@pytest.mark.parametrize(
    ("args", "flags"),
    [
        (["--all"], ["--yes"]),
        (["--yes"], ["--message-id, --queue-message-id or --all"]),
        (["--all", "--message-id", "x", "--yes"], ["--message-id, --queue-message-id or --all"]),
    ],
)
def test_poison_delete_without_one_choice_and_yes_exits_2_deleting_nothing(
    poison, capsys, args, flags
):
    poison.send_message(_ref("01JCZ0000000000000000000AA"))
    code, output = run_cli_json(capsys, "poison", "delete", *args)
    assert code == 2
    assert [error["flag"] for error in output["errors"]] == flags
    assert len(_visible(poison)) == 1
