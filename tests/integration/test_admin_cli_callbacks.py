"""`service callback ...` against the emulators: the secret printed once and stored only
sealed, rotation with an overlap, production URL rules, and the key asked for only where a
secret is sealed."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from shared.adapters.secret_box import SecretBox
from shared.admin.cli import main
from shared.bootstrap import build_app
from shared.config import SettingName
from tests.integration.admin_cli import run_cli_json

URL = "https://callbacks.comune.example.it/postino"


@pytest.fixture
def service_id(local_stack: Any, capsys: pytest.CaptureFixture[str]) -> str:
    new_id = f"cli-cb-{uuid.uuid4().hex[:8]}"
    code, _ = run_cli_json(
        capsys,
        "service",
        "create",
        "--name",
        "Tributi",
        "--organization-name",
        "Comune",
        "--organization-fiscal-code",
        "01234567890",
        "--id",
        new_id,
    )
    assert code == 0
    return new_id


def _opened(local_stack: Any, service_id: str) -> list[bytes]:
    service = build_app(local_stack.settings).services.get(service_id)
    assert service is not None
    assert service.callback is not None
    callback = service.callback
    box = SecretBox.from_setting(local_stack.settings.callback_secrets_key)
    return [box.open(secret.sealed, service_id=service_id) for secret in callback.secrets]


def test_set_prints_the_secret_once_and_stores_it_only_sealed(
    local_stack: Any, service_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the operator sets the callback
    code, output = run_cli_json(capsys, "service", "callback", "set", service_id, "--url", URL)
    # THEN the secret is printed, and what is stored opens to it and nothing shows it again
    assert code == 0
    secret = output["secret"]["secret"]
    assert output["callback"]["url"] == URL
    assert [item["id"] for item in output["callback"]["secrets"]] == [output["secret"]["id"]]
    assert _opened(local_stack, service_id) == [secret.encode()]
    stored = build_app(local_stack.settings).services.get(service_id)
    assert stored is not None
    assert secret not in stored.model_dump_json()
    code, shown = run_cli_json(capsys, "service", "show", service_id)
    assert code == 0
    assert shown["service"]["callback"]["url"] == URL
    assert "sealed" not in json.dumps(shown)
    assert secret not in json.dumps(shown)


def test_the_text_output_says_the_secret_is_shown_once_and_show_names_it_by_id(
    service_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["service", "callback", "set", service_id, "--url", URL])
    out = capsys.readouterr().out
    assert code == 0
    assert "shown only now" in out
    secret_line = next(line for line in out.splitlines() if line.startswith("secret cbs_"))
    secret_id, secret = secret_line.removeprefix("secret ").split(": ")
    assert main(["service", "show", service_id]) == 0
    shown = capsys.readouterr().out
    assert f"status callback:  {URL}, signed with {secret_id}" in shown
    assert secret not in shown


def test_rotate_then_retire_keeps_an_overlap_and_ends_on_the_new_secret(
    local_stack: Any, service_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, first = run_cli_json(capsys, "service", "callback", "set", service_id, "--url", URL)
    code, rotated = run_cli_json(capsys, "service", "callback", "rotate", service_id)
    assert code == 0
    new = rotated["secret"]["secret"]
    assert _opened(local_stack, service_id) == [first["secret"]["secret"].encode(), new.encode()]
    # a third secret waits for the retirement of the old one
    code, refused = run_cli_json(capsys, "service", "callback", "rotate", service_id)
    assert code == 1
    assert "retire" in refused["error"]
    code, retired = run_cli_json(capsys, "service", "callback", "retire", service_id)
    assert (code, retired["retired"]) == (0, 1)
    assert _opened(local_stack, service_id) == [new.encode()]


def test_remove_stops_the_callbacks(service_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli_json(capsys, "service", "callback", "set", service_id, "--url", URL)
    code, removed = run_cli_json(capsys, "service", "callback", "remove", service_id)
    assert (code, removed["callback"]) == (0, None)
    code, again = run_cli_json(capsys, "service", "callback", "remove", service_id)
    assert code == 1
    assert "no callback" in again["error"]


@pytest.mark.parametrize(
    "url",
    [
        "http://callbacks.example.com/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "http://127.0.0.1:7072/callbacks",
        "https://localhost/hook",
    ],
)
def test_production_settings_refuse_http_loopback_and_private_urls_naming_the_flag(
    service_id: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
) -> None:
    # GIVEN settings without the local allowance for loopback callbacks
    monkeypatch.setenv(SettingName.CALLBACK_ALLOW_LOOPBACK_HTTP, "false")
    # WHEN a callback URL that may not be called is set THEN it is bad input on --url
    code, output = run_cli_json(capsys, "service", "callback", "set", service_id, "--url", url)
    assert code == 2
    assert {error["flag"] for error in output["errors"]} == {"--url"}
    _, shown = run_cli_json(capsys, "service", "show", service_id)
    assert shown["service"]["callback"] is None


def test_a_local_run_may_call_back_to_loopback_over_http(
    service_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The emulators' settings allow it (CALLBACK_ALLOW_LOOPBACK_HTTP in the sample).
    url = "http://127.0.0.1:7072/callbacks"
    code, output = run_cli_json(capsys, "service", "callback", "set", service_id, "--url", url)
    assert code == 0
    assert output["callback"]["url"] == url


def test_only_the_sealing_commands_need_the_callback_key(
    service_id: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli_json(capsys, "service", "callback", "set", service_id, "--url", URL)
    # GIVEN an operator without the callback secrets' key
    monkeypatch.delenv(SettingName.CALLBACK_SECRETS_KEY)
    # WHEN they rotate THEN they are told the command needs it
    code, output = run_cli_json(capsys, "service", "callback", "rotate", service_id)
    assert code == 2
    assert output["error"].startswith(
        "`service callback rotate` needs app setting CALLBACK_SECRETS_KEY"
    )
    # AND retire, show and remove work without it
    assert run_cli_json(capsys, "service", "callback", "retire", service_id)[0] == 0
    assert run_cli_json(capsys, "service", "show", service_id)[0] == 0
    assert run_cli_json(capsys, "service", "callback", "remove", service_id)[0] == 0


def test_an_unknown_service_fails(local_stack: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run_cli_json(
        capsys, "service", "callback", "set", "no-such-service", "--url", URL
    )
    assert code == 1
    assert "no service" in output["error"]
