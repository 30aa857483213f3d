"""The operator CLI against the emulators: every command group, JSON and human output,
exit codes, and bad input named flag by flag."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters.queues import poison_queue_name, queue_client
from shared.bootstrap import build_app
from shared.domain.api_keys import hash_api_key
from shared.domain.errors import AuthenticationError
from shared.domain.message import FailureReason, MessageStatus
from shared.domain.message_id import new_message_id
from shared.domain.message_ref import MessageRef
from shared.domain.profile import PreferenceMode, PushContent
from shared.services.authenticate import authenticate
from tests.builders import MARKDOWN, SUBJECT, a_message, random_fiscal_code
from tests.integration.admin_cli import run_cli, run_cli_json

OTHER_RECIPIENT = "MRARSS80A01H501T"


def _new_id() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}"


def _create_args(service_id: str, *extra: str, org_code: str = "01234567890") -> list[str]:
    return [
        "service",
        "create",
        "--name",
        "Anagrafe",
        "--organization-name",
        "Comune",
        "--organization-fiscal-code",
        org_code,
        "--id",
        service_id,
        *extra,
    ]


@pytest.fixture
def created(local_stack, capsys) -> dict[str, Any]:
    """A new service, as `service create --json` printed it."""
    code, output = run_cli_json(capsys, *_create_args(_new_id()))
    assert code == 0
    return dict(output)


# service


def test_create_prints_keys_once_that_authenticate_and_are_stored_hashed(local_stack, capsys):
    service_id = _new_id()
    code, output = run_cli_json(capsys, *_create_args(service_id, "--tier", "PREMIUM"))
    assert code == 0
    app = build_app(local_stack.settings)
    for key in (output["primary_key"], output["secondary_key"]):
        service = authenticate(key, directory=app.directory)
        assert (service.id, service.tier) == (service_id, "PREMIUM")
        assert app.api_keys.get(hash_api_key(key)) is not None


def test_create_human_output_shows_the_keys_and_warns_they_are_shown_once(local_stack, capsys):
    code, out, _ = run_cli(capsys, *_create_args(_new_id()))
    assert code == 0
    assert "primary key:" in out
    assert "secondary key:" in out
    assert "shown only now" in out


def test_create_stores_every_setting_given(local_stack, capsys):
    service_id = _new_id()
    settings = [
        "--tier=premium",
        "--limited",
        f"--add-recipient={OTHER_RECIPIENT}",
        "--cidr=203.0.113.0/24",
        "--max-payment-amount=150000",
        "--rate-limit=10/60",
    ]
    assert run_cli_json(capsys, *_create_args(service_id, *settings))[0] == 0
    stored = build_app(local_stack.settings).services.get(service_id)
    assert stored is not None
    assert stored.tier == "PREMIUM"
    assert stored.is_limited
    assert stored.authorized_recipients == frozenset({OTHER_RECIPIENT})
    assert [str(network) for network in stored.authorized_cidrs] == ["203.0.113.0/24"]
    assert stored.max_allowed_payment_amount == 150000
    assert (stored.rate_limit.requests, stored.rate_limit.window_seconds) == (10, 60)


def test_reusing_a_service_id_fails_with_exit_1_and_a_clear_error(created, capsys):
    code, output = run_cli_json(capsys, *_create_args(created["service"]["id"]))
    assert code == 1
    assert "already exists" in output["error"]


def test_bad_create_flags_exit_2_naming_each_flag_and_store_nothing(local_stack, capsys):
    service_id = _new_id()
    code, _, err = run_cli(
        capsys, *_create_args(service_id, "--rate-limit", "abc", "--tier", "GOLD", org_code="123")
    )
    assert code == 2
    for flag in ("--organization-fiscal-code", "--rate-limit", "--tier"):
        assert flag in err
    assert build_app(local_stack.settings).services.get(service_id) is None


def test_list_includes_new_services(created, capsys):
    code, output = run_cli_json(capsys, "service", "list")
    assert code == 0
    assert created["service"]["id"] in [service["id"] for service in output["services"]]
    code, out, _ = run_cli(capsys, "service", "list")
    assert code == 0
    assert created["service"]["id"] in out


def test_show_tells_which_slots_hold_a_key_and_never_prints_a_key_or_hash(created, capsys):
    service_id = created["service"]["id"]
    code, out, _ = run_cli(capsys, "service", "show", service_id)
    assert code == 0
    assert "PRIMARY set, SECONDARY set" in out
    code, output = run_cli_json(capsys, "service", "show", service_id)
    assert output["service"]["keys"] == {"PRIMARY": 1, "SECONDARY": 1}
    for key in (created["primary_key"], created["secondary_key"]):
        assert key not in out
        assert hash_api_key(key) not in out
        assert hash_api_key(key) not in json.dumps(output)


def test_show_of_an_unknown_service_exits_1(local_stack, capsys):
    code, output = run_cli_json(capsys, "service", "show", _new_id())
    assert code == 1
    assert "no service" in output["error"]


def test_update_changes_only_the_settings_given(created, local_stack, capsys):
    service_id = created["service"]["id"]
    first = ["--limited", "--add-recipient", OTHER_RECIPIENT, "--cidr", "10.0.0.0/8"]
    assert run_cli_json(capsys, "service", "update", service_id, *first)[0] == 0
    code, output = run_cli_json(
        capsys, "service", "update", service_id, "--no-cidrs", "--rate-limit", "300/10"
    )
    assert code == 0
    assert output["takes_effect_within_seconds"] == local_stack.settings.service_cache_ttl_seconds
    stored = build_app(local_stack.settings).services.get(service_id)
    assert stored is not None
    assert stored.is_limited
    assert stored.authorized_recipients == frozenset({OTHER_RECIPIENT})
    assert stored.authorized_cidrs == ()
    assert (stored.rate_limit.requests, stored.rate_limit.window_seconds) == (300, 10)
    assert stored.tier == "BASIC"


def test_update_reports_every_bad_flag_at_once_and_changes_nothing(created, local_stack, capsys):
    service_id = created["service"]["id"]
    before = build_app(local_stack.settings).services.get(service_id)
    code, output = run_cli_json(
        capsys,
        "service",
        "update",
        service_id,
        "--tier=GOLD",
        "--add-recipient=RSSMRA80A01H501X",
        "--cidr=10.0.0.0/8",
        "--cidr=10.0.0.300/8",
        "--max-payment-amount=-1",
        "--rate-limit=abc",
    )
    assert code == 2
    flags = [error["flag"] for error in output["errors"]]
    assert flags == [
        "--tier",
        "--add-recipient #1",
        "--cidr #2",
        "--max-payment-amount",
        "--rate-limit",
    ]
    assert build_app(local_stack.settings).services.get(service_id) == before


def test_update_of_an_unknown_service_exits_1(local_stack, capsys):
    assert run_cli_json(capsys, "service", "update", _new_id(), "--limited")[0] == 1


def test_update_with_nothing_to_change_exits_2(created, capsys):
    code, _, err = run_cli(capsys, "service", "update", created["service"]["id"])
    assert code == 2
    assert "at least one setting" in err


def test_limited_and_not_limited_together_are_a_usage_error(created, capsys):
    code, output = run_cli_json(
        capsys, "service", "update", created["service"]["id"], "--limited", "--not-limited"
    )
    assert code == 2
    assert "not allowed with" in output["error"]


# key


def test_issuing_into_a_slot_that_has_a_key_exits_1_and_says_to_rotate(created, capsys):
    code, _, err = run_cli(capsys, "key", "issue", created["service"]["id"], "--slot", "PRIMARY")
    assert code == 1
    assert "rotate" in err


def test_rotation_replaces_one_slots_key_and_keeps_the_other(created, local_stack, capsys):
    service_id = created["service"]["id"]
    code, output = run_cli_json(capsys, "key", "rotate", service_id, "--slot", "primary")
    assert code == 0
    assert output["old_key_stops_working_within_seconds"] == (
        local_stack.settings.service_cache_ttl_seconds
    )
    directory = build_app(local_stack.settings).directory  # a worker with nothing cached
    assert authenticate(output["key"], directory=directory).id == service_id
    assert authenticate(created["secondary_key"], directory=directory).id == service_id
    with pytest.raises(AuthenticationError):
        authenticate(created["primary_key"], directory=directory)


def test_rotation_output_says_when_the_old_key_stops_working(created, capsys):
    code, out, _ = run_cli(capsys, "key", "rotate", created["service"]["id"], "--slot", "SECONDARY")
    assert code == 0
    assert "SERVICE_CACHE_TTL_SECONDS" in out
    assert "PRIMARY key is unchanged" in out


def test_revoking_both_keys_warns_the_service_has_none_left(created, local_stack, capsys):
    service_id = created["service"]["id"]
    code, out, _ = run_cli(capsys, "key", "revoke", service_id, "--slot", "PRIMARY")
    assert (code, "no key left" in out) == (0, False)
    code, out, _ = run_cli(capsys, "key", "revoke", service_id, "--slot", "SECONDARY")
    assert (code, "no key left" in out) == (0, True)
    api_keys = build_app(local_stack.settings).api_keys
    assert api_keys.for_service(service_id) == []
    code, output = run_cli_json(capsys, "key", "revoke", service_id, "--slot", "PRIMARY")
    assert code == 1
    assert "no PRIMARY key" in output["error"]
    assert run_cli_json(capsys, "key", "issue", service_id, "--slot", "PRIMARY")[0] == 0


def test_an_unknown_slot_exits_2_naming_the_flag(created, capsys):
    code, output = run_cli_json(
        capsys, "key", "issue", created["service"]["id"], "--slot", "TERTIARY"
    )
    assert code == 2
    assert output["errors"][0]["flag"] == "--slot"


def test_keys_of_an_unknown_service_exit_1(local_stack, capsys):
    assert run_cli_json(capsys, "key", "rotate", _new_id(), "--slot", "PRIMARY")[0] == 1


# citizen


def test_register_stores_the_profile_with_its_preferences(created, local_stack, capsys):
    fiscal_code = random_fiscal_code()
    service_id = created["service"]["id"]
    code, output = run_cli_json(
        capsys,
        "citizen",
        "register",
        fiscal_code,
        "--language=de_DE",
        "--language=it_IT",
        "--mode=LEGACY",
        f"--block={service_id}",
    )
    assert code == 0
    assert output["blocked_services"] == [service_id]
    profile = build_app(local_stack.settings).profiles.get(fiscal_code)
    assert profile is not None
    assert profile.preferred_languages == ("de_DE", "it_IT")
    assert profile.preference_mode is PreferenceMode.LEGACY
    assert not profile.allows(service_id)


def test_register_names_a_bad_fiscal_code_unknown_service_and_bad_language_at_once(
    local_stack, capsys
):
    code, output = run_cli_json(
        capsys,
        "citizen",
        "register",
        "RSSMRA80A01H501X",
        "--allow",
        _new_id(),
        "--language",
        "italian",
    )
    assert code == 2
    assert sorted(error["flag"] for error in output["errors"]) == [
        "--allow #1",
        "--language #1",
        "FISCAL_CODE",
    ]
    assert "RSSMRA80A01H501X" not in json.dumps(output)


def test_update_changes_only_what_is_given(created, local_stack, capsys):
    fiscal_code = random_fiscal_code()
    service_id = created["service"]["id"]
    assert run_cli_json(capsys, "citizen", "register", fiscal_code, "--language", "de_DE")[0] == 0
    code, output = run_cli_json(
        capsys, "citizen", "update", fiscal_code, "--inbox-disabled", "--block", service_id
    )
    assert code == 0
    assert output == {
        "is_inbox_enabled": False,
        "preferred_languages": ["de_DE"],
        "preference_mode": "AUTO",
        "blocked_services": [],
        "service_preferences": {service_id: False},
        "reminders": "DISABLED",
        "share_read_status": True,
        "push_installation_id": None,
        "is_new_message_push_enabled": True,
        "push_notifications_content_type": "ANONYMOUS",
    }
    stored = build_app(local_stack.settings).profiles.get(fiscal_code)
    assert stored is not None
    assert stored.inbox_enabled is False


def test_update_of_an_unregistered_citizen_exits_1(local_stack, capsys):
    fiscal_code = random_fiscal_code()
    assert run_cli_json(capsys, "citizen", "update", fiscal_code, "--inbox-disabled")[0] == 1
    assert build_app(local_stack.settings).profiles.get(fiscal_code) is None


def test_show_never_prints_the_fiscal_code(local_stack, capsys):
    fiscal_code = random_fiscal_code()
    assert run_cli(capsys, "citizen", "register", fiscal_code, "--mode", "MANUAL")[0] == 0
    code, out, _ = run_cli(capsys, "citizen", "show", fiscal_code)
    assert code == 0
    assert "MANUAL" in out
    assert fiscal_code not in out
    code, output = run_cli_json(capsys, "citizen", "show", fiscal_code)
    assert output["preference_mode"] == "MANUAL"
    assert fiscal_code not in json.dumps(output)


def test_register_sets_the_new_message_push_choices(local_stack, capsys):
    # GIVEN a citizen registered with pushes off and full content
    fiscal_code = random_fiscal_code()
    code, output = run_cli_json(
        capsys,
        "citizen",
        "register",
        fiscal_code,
        "--new-message-pushes",
        "off",
        "--push-content",
        "full",
    )
    # THEN the output and the store say so
    assert code == 0
    assert (output["is_new_message_push_enabled"], output["push_notifications_content_type"]) == (
        False,
        "FULL",
    )
    profile = build_app(local_stack.settings).profiles.get(fiscal_code)
    assert profile is not None
    assert (profile.new_message_pushes, profile.push_content) == (False, PushContent.FULL)


def test_register_without_push_flags_gives_anonymous_pushes(local_stack, capsys):
    fiscal_code = random_fiscal_code()
    code, output = run_cli_json(capsys, "citizen", "register", fiscal_code)
    assert code == 0
    assert (output["is_new_message_push_enabled"], output["push_notifications_content_type"]) == (
        True,
        "ANONYMOUS",
    )


def test_update_changes_one_push_choice_and_keeps_the_other(local_stack, capsys):
    # GIVEN a citizen with full pushes
    fiscal_code = random_fiscal_code()
    assert run_cli_json(capsys, "citizen", "register", fiscal_code, "--push-content=FULL")[0] == 0
    # WHEN an operator turns the pushes off
    code, output = run_cli_json(
        capsys, "citizen", "update", fiscal_code, "--new-message-pushes=OFF"
    )
    # THEN they are off and still full
    assert code == 0
    assert (output["is_new_message_push_enabled"], output["push_notifications_content_type"]) == (
        False,
        "FULL",
    )
    # AND turning them on again changes nothing else
    code, output = run_cli_json(capsys, "citizen", "update", fiscal_code, "--new-message-pushes=on")
    assert (output["is_new_message_push_enabled"], output["push_notifications_content_type"]) == (
        True,
        "FULL",
    )
    profile = build_app(local_stack.settings).profiles.get(fiscal_code)
    assert profile is not None
    assert (profile.new_message_pushes, profile.push_content) == (True, PushContent.FULL)


def test_show_prints_both_push_choices(local_stack, capsys):
    fiscal_code = random_fiscal_code()
    args = ("--new-message-pushes", "off", "--push-content", "full")
    assert run_cli(capsys, "citizen", "register", fiscal_code, *args)[0] == 0
    code, out, _ = run_cli(capsys, "citizen", "show", fiscal_code)
    assert code == 0
    assert "pushes:      off for new messages" in out
    assert "push text:   FULL (the service's name and the subject)" in out
    code, output = run_cli_json(capsys, "citizen", "show", fiscal_code)
    assert (output["is_new_message_push_enabled"], output["push_notifications_content_type"]) == (
        False,
        "FULL",
    )


def test_bad_push_choices_exit_2_naming_each_flag_and_store_nothing(local_stack, capsys):
    fiscal_code = random_fiscal_code()
    code, output = run_cli_json(
        capsys,
        "citizen",
        "register",
        fiscal_code,
        "--new-message-pushes",
        "sometimes",
        "--push-content",
        "partial",
    )
    assert code == 2
    assert [error["flag"] for error in output["errors"]] == [
        "--new-message-pushes",
        "--push-content",
    ]
    assert build_app(local_stack.settings).profiles.get(fiscal_code) is None


# message


@pytest.fixture
def failed_message(local_stack):
    """A message stored FAILED after its retries ran out."""
    now = datetime.now(UTC)
    message = a_message(new_message_id(now), fiscal_code=random_fiscal_code())
    failed = message.failed(FailureReason.RETRIES_EXHAUSTED, now)
    return build_app(local_stack.settings).messages.add(failed)


def test_message_show_prints_its_history_without_content_or_fiscal_code(failed_message, capsys):
    for extra in ([], ["--fiscal-code", failed_message.fiscal_code]):
        code, output = run_cli_json(capsys, "message", "show", failed_message.id, *extra)
        assert code == 0
        assert [(step["status"], step["reason"]) for step in output["history"]] == [
            ("ACCEPTED", None),
            ("FAILED", "RETRIES_EXHAUSTED"),
        ]
        assert (output["status"], output["failure_reason"]) == ("FAILED", "RETRIES_EXHAUSTED")
    code, out, _ = run_cli(capsys, "message", "show", failed_message.id)
    assert code == 0
    assert "FAILED (RETRIES_EXHAUSTED)" in out
    for secret in (failed_message.fiscal_code, SUBJECT, MARKDOWN[:30]):
        assert secret not in out


def test_message_show_of_an_unknown_or_malformed_id_fails(local_stack, capsys):
    assert run_cli_json(capsys, "message", "show", new_message_id(datetime.now(UTC)))[0] == 1
    code, output = run_cli_json(capsys, "message", "show", "nope", "--fiscal-code", "NOTACODE")
    assert code == 2
    assert [error["flag"] for error in output["errors"]] == ["MESSAGE_ID", "--fiscal-code"]


# poison


@pytest.fixture
def queues(local_stack, monkeypatch):
    """A messages queue and its poison queue of this test's own, used by the CLI."""
    name = f"cli-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("MESSAGES_QUEUE", name)
    clients = [
        queue_client(local_stack.storage, queue) for queue in (name, poison_queue_name(name))
    ]
    for client in clients:
        client.create_queue()
    yield clients[0], clients[1]
    for client in clients:
        client.delete_queue()


def test_poison_list_shows_message_ids_and_malformed_entries(queues, failed_message, capsys):
    _, poison = queues
    poison.send_message(
        MessageRef(message_id=failed_message.id, fiscal_code=failed_message.fiscal_code).to_json()
    )
    poison.send_message("not a reference")
    code, output = run_cli_json(capsys, "poison", "list")
    assert code == 0
    assert sorted(str(item["message_id"]) for item in output["poisoned"]) == sorted(
        [failed_message.id, "None"]
    )
    code, out, _ = run_cli(capsys, "poison", "list")
    assert failed_message.id in out
    assert "(malformed)" in out
    assert failed_message.fiscal_code not in out


def test_poison_redrive_puts_a_failed_message_back_on_the_queue(
    queues, failed_message, local_stack, capsys
):
    # GIVEN a failed message whose reference is in the poison queue
    queue, poison = queues
    ref = MessageRef(message_id=failed_message.id, fiscal_code=failed_message.fiscal_code)
    poison.send_message(ref.to_json())
    # WHEN an operator redrives it
    code, output = run_cli_json(capsys, "poison", "redrive", "--message-id", failed_message.id)
    # THEN it is ACCEPTED again, its reference is on the queue, and the poison queue is empty
    assert code == 0
    assert [result["outcome"] for result in output["results"]] == ["REDRIVEN"]
    assert output["summary"]["REDRIVEN"] == 1
    stored = build_app(local_stack.settings).messages.get(ref.fiscal_code, ref.message_id)
    assert stored is not None
    assert stored.status is MessageStatus.ACCEPTED
    assert [MessageRef.from_json(m.content) for m in queue.receive_messages()] == [ref]
    assert list(poison.peek_messages()) == []


def test_poison_redrive_of_a_message_not_there_exits_1(queues, capsys):
    code, output = run_cli_json(
        capsys, "poison", "redrive", "--message-id", "01JCZ0000000000000000000ZZ"
    )
    assert code == 1
    assert "not among" in output["error"]


def test_an_empty_poison_queue_is_said_so(queues, capsys):
    code, out, _ = run_cli(capsys, "poison", "redrive")
    assert (code, out.strip()) == (0, "the poison queue is empty")


@pytest.mark.parametrize("limit", ["0", "33", "many"])
def test_a_limit_outside_1_to_32_exits_2(queues, capsys, limit):
    code, output = run_cli_json(capsys, "poison", "list", "--limit", limit)
    assert code == 2
    assert output["errors"][0]["flag"] == "--limit"


# the command line


def test_a_missing_command_is_a_usage_error(local_stack, capsys):
    code, _, err = run_cli(capsys)
    assert code == 2
    assert "required" in err


def test_json_may_come_after_the_command(created, capsys):
    code, out, _ = run_cli(capsys, "service", "show", created["service"]["id"], "--json")
    assert code == 0
    assert json.loads(out)["service"]["id"] == created["service"]["id"]


def test_a_settings_file_that_cannot_be_read_exits_2(local_stack, capsys, tmp_path):
    code, _, err = run_cli(capsys, "--settings", str(tmp_path / "missing.json"), "service", "list")
    assert code == 2
    assert "missing.json" in err
