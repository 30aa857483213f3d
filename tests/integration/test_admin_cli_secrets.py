"""The operator CLI against the emulators, with only the secrets each command uses: no
citizen hash key for the service commands, the hash key for one citizen's pushes."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from shared.adapters.queues import queue_client
from shared.admin.cli import main
from shared.bootstrap import build_app
from shared.config import SettingName
from shared.domain.citizen_hash import push_tag
from shared.domain.push import ReminderKind, reminder_push
from tests.integration.admin_cli import run_cli_json

FISCAL_CODE = "RSSMRA80A01H501U"
OTHER_CITIZEN = "MRARSS80A01H501T"


@pytest.fixture
def push_queue(local_stack: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    name = f"cli-secrets-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("PUSH_QUEUE", name)
    client = queue_client(local_stack.storage, name)
    client.create_queue()
    yield name
    client.delete_queue()


def test_service_list_works_without_the_citizen_hash_key(
    local_stack: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an operator without the citizen hash key
    monkeypatch.delenv(SettingName.CITIZEN_HASH_KEY)
    # WHEN they list the services
    code, output = run_cli_json(capsys, "service", "list")
    # THEN the services are listed
    assert code == 0
    assert isinstance(output["services"], list)


def test_one_citizens_pushes_need_the_hash_key_and_say_so(
    push_queue: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an operator without the citizen hash key
    monkeypatch.delenv(SettingName.CITIZEN_HASH_KEY)
    # WHEN they ask for one citizen's pushes
    code, output = run_cli_json(capsys, "push", "list", "--fiscal-code", FISCAL_CODE)
    # THEN it is bad input that names the setting and what it is for, not the fiscal code
    assert code == 2
    assert output["error"].startswith("`push list` needs app setting CITIZEN_HASH_KEY")
    assert FISCAL_CODE not in output["error"]


def test_one_citizens_pushes_are_found_by_their_tag(
    local_stack: Any, push_queue: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN pushes to two citizens on the push queue
    settings = dataclasses.replace(local_stack.settings, push_queue=push_queue)
    app = build_app(settings)
    for number, fiscal_code in enumerate((FISCAL_CODE, OTHER_CITIZEN, FISCAL_CODE)):
        app.push.send(
            reminder_push(
                tag=push_tag(fiscal_code, settings.citizen_hash_key),
                kind=ReminderKind.UNREAD,
                preferred_languages=("it_IT",),
                message_id=f"01JCZ000000000000000000{number:03d}",
                expires_at=None,
            )
        )
    # WHEN the operator, who has the app's hash key, asks for the first citizen's pushes
    code, output = run_cli_json(capsys, "push", "list", "--fiscal-code", FISCAL_CODE)
    # THEN only theirs are shown, by tag, and the fiscal code is printed nowhere
    assert code == 0
    tag = push_tag(FISCAL_CODE, settings.citizen_hash_key)
    assert [(item["message_id"], item["tag"]) for item in output["pushes"]] == [
        ("01JCZ000000000000000000000", tag),
        ("01JCZ000000000000000000002", tag),
    ]
    code = main(["push", "list", "--fiscal-code", FISCAL_CODE])
    out = capsys.readouterr().out
    assert code == 0
    assert "2 shown for tag" in out
    assert FISCAL_CODE not in out


def test_a_bad_fiscal_code_is_named_by_its_flag(
    push_queue: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run_cli_json(capsys, "push", "list", "--fiscal-code", "RSSMRA80A01H501X")
    assert code == 2
    assert [error["flag"] for error in output["errors"]] == ["--fiscal-code"]
