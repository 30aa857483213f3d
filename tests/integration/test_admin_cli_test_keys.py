"""`key issue | rotate | revoke --test` against the emulators: a service's test keys, in
slots of their own, stored hashed and authenticating as TEST."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.bootstrap import build_app
from shared.domain.api_keys import KeyKind, hash_api_key
from shared.domain.errors import AuthenticationError
from shared.services.authenticate import authenticate_caller
from tests.integration.admin_cli import run_cli, run_cli_json


@pytest.fixture
def created(local_stack, capsys) -> dict[str, Any]:
    service_id = f"cli-{uuid.uuid4().hex[:8]}"
    code, output = run_cli_json(
        capsys,
        "service",
        "create",
        "--name",
        "Anagrafe",
        "--organization-name",
        "Comune",
        "--organization-fiscal-code",
        "01234567890",
        "--id",
        service_id,
    )
    assert code == 0
    return dict(output)


def test_issuing_a_test_key_stores_it_hashed_as_test_beside_the_live_keys(
    created, local_stack, capsys
):
    service_id = created["service"]["id"]

    code, output = run_cli_json(capsys, "key", "issue", service_id, "--slot", "PRIMARY", "--test")

    assert code == 0
    assert (output["slot"], output["kind"]) == ("PRIMARY", "TEST")
    app = build_app(local_stack.settings)
    record = app.api_keys.get(hash_api_key(output["key"]))
    assert record is not None
    assert record.kind is KeyKind.TEST
    caller = authenticate_caller(output["key"], directory=app.directory)
    assert (caller.service.id, caller.kind) == (service_id, KeyKind.TEST)
    live = authenticate_caller(created["primary_key"], directory=app.directory)
    assert live.kind is KeyKind.LIVE


def test_the_human_output_names_the_test_slot_and_the_sandbox(created, capsys):
    service_id = created["service"]["id"]

    code, out, _ = run_cli(capsys, "key", "issue", service_id, "--slot", "SECONDARY", "--test")

    assert code == 0
    assert f"new TEST SECONDARY key for service {service_id}" in out
    assert "sandbox fiscal codes" in out


def test_rotating_a_test_key_replaces_it_and_leaves_the_live_key_working(
    created, local_stack, capsys
):
    service_id = created["service"]["id"]
    _, issued = run_cli_json(capsys, "key", "issue", service_id, "--slot", "PRIMARY", "--test")

    code, rotated = run_cli_json(capsys, "key", "rotate", service_id, "--slot", "PRIMARY", "--test")

    assert code == 0
    directory = build_app(local_stack.settings).directory  # a worker with nothing cached
    assert authenticate_caller(rotated["key"], directory=directory).kind is KeyKind.TEST
    assert authenticate_caller(created["primary_key"], directory=directory).kind is KeyKind.LIVE
    with pytest.raises(AuthenticationError):
        authenticate_caller(issued["key"], directory=directory)


def test_revoking_an_empty_test_slot_exits_1_and_revoking_one_warns_of_nothing_live(
    created, capsys
):
    service_id = created["service"]["id"]
    code, _, err = run_cli(capsys, "key", "revoke", service_id, "--slot", "PRIMARY", "--test")
    assert code == 1
    assert "TEST PRIMARY" in err

    run_cli(capsys, "key", "issue", service_id, "--slot", "PRIMARY", "--test")
    code, out, _ = run_cli(capsys, "key", "revoke", service_id, "--slot", "PRIMARY", "--test")

    assert code == 0
    assert "TEST PRIMARY key" in out
    assert "no key left" not in out  # its live keys still work
