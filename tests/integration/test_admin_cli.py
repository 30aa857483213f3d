"""The operator CLI against the emulators: JSON output, human output, bad input."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.admin.cli import main
from shared.bootstrap import build_app
from shared.domain.api_keys import hash_api_key
from shared.services.authenticate import authenticate
from tests.builders import random_fiscal_code


def _create_args(service_id: str, org_code: str = "01234567890") -> list[str]:
    return [
        "create-service",
        "--name",
        "Anagrafe",
        "--organization-name",
        "Comune",
        "--organization-fiscal-code",
        org_code,
        "--id",
        service_id,
        "--tier",
        "PREMIUM",
    ]


def test_create_service_prints_keys_once_that_authenticate_and_are_stored_hashed(
    local_stack, capsys
):
    service_id = f"cli-{uuid.uuid4().hex[:8]}"
    assert main(["--json", *_create_args(service_id)]) == 0
    output = json.loads(capsys.readouterr().out)
    app = build_app(local_stack.settings)
    for key in (output["primary_key"], output["secondary_key"]):
        service = authenticate(key, directory=app.directory)
        assert (service.id, service.tier) == (service_id, "PREMIUM")
        assert app.api_keys.get(hash_api_key(key)) is not None


def test_human_output_names_the_service_and_warns_keys_are_shown_once(local_stack, capsys):
    assert main(_create_args(f"cli-{uuid.uuid4().hex[:8]}")) == 0
    out = capsys.readouterr().out
    assert "primary key:" in out
    assert "shown only now" in out


def test_reusing_a_service_id_fails_with_a_clear_error(local_stack, capsys):
    service_id = f"cli-{uuid.uuid4().hex[:8]}"
    assert main(_create_args(service_id)) == 0
    capsys.readouterr()
    assert main(["--json", *_create_args(service_id)]) == 1
    assert "already exists" in json.loads(capsys.readouterr().out)["error"]


def test_bad_organization_code_exits_2_naming_the_field(local_stack, capsys):
    assert main(_create_args(f"cli-{uuid.uuid4().hex[:8]}", org_code="123")) == 2
    assert "organization_fiscal_code" in capsys.readouterr().err


def test_register_citizen_stores_the_profile(local_stack, capsys):
    fiscal_code = random_fiscal_code()
    assert main(["--json", "register-citizen", fiscal_code, "--language", "de_DE"]) == 0
    assert json.loads(capsys.readouterr().out)["preferred_languages"] == ["de_DE"]
    profile = build_app(local_stack.settings).profiles.get(fiscal_code)
    assert profile is not None
    assert profile.preferred_languages == ("de_DE",)


def test_register_citizen_refuses_an_invalid_fiscal_code(local_stack, capsys):
    assert main(["register-citizen", "RSSMRA80A01H501X"]) == 2
    assert "fiscal_code" in capsys.readouterr().err


def test_a_missing_command_is_a_usage_error(local_stack):
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2
