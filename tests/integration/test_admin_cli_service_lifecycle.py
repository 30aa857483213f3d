"""The operator CLI on a service's life against the emulators: rename and metadata, disable
and enable, delete, the key dates and what `service show` never prints."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from shared.admin.cli import main
from shared.bootstrap import build_app
from shared.domain.entitlements import check_service_enabled
from shared.domain.errors import AuthenticationError, ServiceDisabledError
from shared.services.authenticate import authenticate
from shared.services.key_usage import KeyUsageRecorder, run_now
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import random_fiscal_code
from tests.integration.admin_cli import run_cli, run_cli_json


def _create(capsys, service_id: str, *extra: str) -> dict[str, Any]:
    code, output = run_cli_json(
        capsys,
        "service",
        "create",
        "--name",
        "Tributi",
        "--organization-name",
        "Comune di Esempio",
        "--organization-fiscal-code",
        "01234567890",
        "--id",
        service_id,
        *extra,
    )
    assert code == 0, output
    return dict(output)


def _fresh_directory(local_stack) -> CachedServiceDirectory:
    """A worker with nothing cached that records key use at once."""
    app = build_app(local_stack.settings)
    return CachedServiceDirectory(
        api_keys=app.api_keys,
        services=app.services,
        clock=app.clock,
        ttl=timedelta(seconds=10),
        usage=KeyUsageRecorder(api_keys=app.api_keys, submit=run_now),
    )


def _call(key: str, local_stack) -> str:
    """What every institution route does first with a key; the service's id."""
    service = authenticate(key, directory=_fresh_directory(local_stack))
    check_service_enabled(service)
    return service.id


@pytest.fixture
def created(local_stack, capsys) -> dict[str, Any]:
    return _create(capsys, f"cli-{uuid.uuid4().hex[:8]}")


def test_update_renames_and_sets_the_metadata_and_show_prints_them(created, local_stack, capsys):
    service_id = created["service"]["id"]
    code, output = run_cli_json(
        capsys,
        "service",
        "update",
        service_id,
        "--name",
        "Tributi e canoni",
        "--contact-email",
        "tributi@comune.example.it",
        "--privacy-url",
        "https://www.comune.example.it/privacy",
        "--topic",
        "Tasse",
        "--scope",
        "local",
    )
    assert code == 0
    assert (output["service"]["name"], output["service"]["scope"]) == ("Tributi e canoni", "LOCAL")
    stored = build_app(local_stack.settings).services.get(service_id)
    assert stored is not None
    assert (stored.name, stored.contact_email, stored.topic) == (
        "Tributi e canoni",
        "tributi@comune.example.it",
        "Tasse",
    )
    code, out, _ = run_cli(capsys, "service", "show", service_id)
    assert code == 0
    assert "Tributi e canoni" in out
    assert "https://www.comune.example.it/privacy" in out
    assert "state:            enabled" in out


def test_create_takes_the_metadata_too(local_stack, capsys):
    output = _create(capsys, f"cli-{uuid.uuid4().hex[:8]}", "--scope", "NATIONAL", "--topic", "X")
    assert (output["service"]["scope"], output["service"]["topic"]) == ("NATIONAL", "X")


def test_bad_metadata_flags_exit_2_naming_each_flag_and_change_nothing(
    created, local_stack, capsys
):
    service_id = created["service"]["id"]
    before = build_app(local_stack.settings).services.get(service_id)
    code, output = run_cli_json(
        capsys,
        "service",
        "update",
        service_id,
        "--name",
        " ",
        "--contact-email",
        "tributi",
        "--privacy-url",
        "http://www.comune.example.it/privacy",
        "--topic",
        "",
        "--scope",
        "REGIONAL",
    )
    assert code == 2
    assert [error["flag"] for error in output["errors"]] == [
        "--name",
        "--contact-email",
        "--privacy-url",
        "--topic",
        "--scope",
    ]
    assert build_app(local_stack.settings).services.get(service_id) == before


def test_disable_refuses_the_keys_with_service_disabled_and_enable_lets_them_in(
    created, local_stack, capsys
):
    service_id = created["service"]["id"]
    code, output = run_cli_json(capsys, "service", "disable", service_id)
    assert code == 0
    assert output["disabled_at"] is not None
    assert output["takes_effect_within_seconds"] == local_stack.settings.service_cache_ttl_seconds
    with pytest.raises(ServiceDisabledError):
        _call(created["primary_key"], local_stack)
    code, out, _ = run_cli(capsys, "service", "list")
    assert any(line.split()[:1] == [service_id] and "disabled" in line for line in out.splitlines())
    code, out, _ = run_cli(capsys, "service", "show", service_id)
    assert "DISABLED since" in out
    assert "PRIMARY set, SECONDARY set" in out  # nothing deleted
    assert run_cli_json(capsys, "service", "enable", service_id)[0] == 0
    assert _call(created["primary_key"], local_stack) == service_id


def test_disable_of_an_unknown_service_exits_1(local_stack, capsys):
    code, output = run_cli_json(capsys, "service", "disable", f"cli-{uuid.uuid4().hex[:8]}")
    assert code == 1
    assert "no service" in output["error"]


def test_delete_without_yes_exits_2_naming_the_flag_and_deletes_nothing(
    created, local_stack, capsys
):
    service_id = created["service"]["id"]
    code, output = run_cli_json(capsys, "service", "delete", service_id)
    assert code == 2
    assert [error["flag"] for error in output["errors"]] == ["--yes"]
    assert _call(created["primary_key"], local_stack) == service_id


def test_delete_removes_the_service_and_its_keys_which_then_answer_as_unknown(
    created, local_stack, capsys
):
    service_id = created["service"]["id"]
    code, out, _ = run_cli(capsys, "service", "delete", service_id, "--yes")
    assert code == 0
    assert "with 2 key(s)" in out
    assert "stay in the citizens' inboxes" in out
    app = build_app(local_stack.settings)
    assert app.services.get(service_id) is None
    assert app.api_keys.for_service(service_id) == []
    for key in (created["primary_key"], created["secondary_key"]):
        with pytest.raises(AuthenticationError):
            _call(key, local_stack)
    assert run_cli_json(capsys, "service", "show", service_id)[0] == 1
    # AND its id is never given to a new service
    code, output = run_cli_json(
        capsys,
        "service",
        "create",
        "--name",
        "Altro",
        "--organization-name",
        "Comune",
        "--organization-fiscal-code",
        "01234567890",
        "--id",
        service_id,
    )
    assert code == 1
    assert "never reused" in output["error"]


def test_a_taken_id_is_named_in_the_error(created, capsys):
    service_id = created["service"]["id"]
    code, _, err = run_cli(
        capsys,
        "service",
        "create",
        "--name",
        "Altro",
        "--organization-name",
        "Comune",
        "--organization-fiscal-code",
        "01234567890",
        "--id",
        service_id,
    )
    assert code == 1
    assert f"service {service_id} already exists" in err


def test_show_and_list_print_how_many_recipients_never_their_fiscal_codes(local_stack, capsys):
    fiscal_codes = [random_fiscal_code() for _ in range(2)]
    recipients = [f"--add-recipient={code}" for code in fiscal_codes]
    service_id = _create(capsys, f"cli-{uuid.uuid4().hex[:8]}", "--limited", *recipients)[
        "service"
    ]["id"]
    code, out, _ = run_cli(capsys, "service", "show", service_id)
    assert code == 0
    assert "recipients:       2" in out
    code, shown = run_cli_json(capsys, "service", "show", service_id)
    assert shown["service"]["authorized_recipients_count"] == 2
    _, listed = run_cli_json(capsys, "service", "list")
    for fiscal_code in fiscal_codes:
        assert fiscal_code not in out
        assert fiscal_code not in json.dumps(shown)
        assert fiscal_code not in json.dumps(listed)


def test_show_tells_when_each_key_was_issued_and_last_used_never_its_hash(
    created, local_stack, capsys
):
    service_id = created["service"]["id"]
    _call(created["primary_key"], local_stack)
    code, output = run_cli_json(capsys, "service", "show", service_id)
    assert code == 0
    dates = {entry["slot"]: entry for entry in output["service"]["key_dates"]}
    assert set(dates) == {"PRIMARY", "SECONDARY"}
    assert all(entry["created_at"] for entry in dates.values())
    assert dates["PRIMARY"]["last_used_at"] is not None
    assert dates["SECONDARY"]["last_used_at"] is None
    assert "id" not in dates["PRIMARY"]
    code, out, _ = run_cli(capsys, "service", "show", service_id)
    assert "PRIMARY key issued 20" in out
    assert "SECONDARY key issued 20" in out
    assert "SECONDARY key issued 20" in out
    assert out.count("last used never") == 1


def test_the_payment_cap_flag_is_named_and_ios_name_works_too(created, local_stack, capsys):
    service_id = created["service"]["id"]
    code, out, _ = run_cli(capsys, "service", "show", service_id)
    assert "not allowed (--max-payment-amount)" in out
    code, output = run_cli_json(
        capsys, "service", "update", service_id, "--max-allowed-payment-amount", "5000"
    )
    assert code == 0
    assert output["service"]["max_allowed_payment_amount"] == 5000
    with pytest.raises(SystemExit):
        main(["service", "update", "--help"])
    out = capsys.readouterr().out
    assert "--max-payment-amount" in out
    assert "max_allowed_payment_amount" in out
