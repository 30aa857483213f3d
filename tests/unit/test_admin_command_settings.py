"""The operator CLI reads a secret only for the commands that use it: the citizen hash key
for `push list --fiscal-code` alone, the callback secrets' key for the callback commands
that seal a secret, the notification hub's connection for none."""

from __future__ import annotations

import pytest

from shared.adapters.secret_box import SecretBox
from shared.admin.cli import _parser
from shared.admin.command_settings import command_settings, secrets_used
from shared.config import MissingSettingError, SettingName
from shared.domain.citizen_hash import push_tag

FISCAL_CODE = "RSSMRA80A01H501U"
# As an operator's shell holds them against Azure: no secret at all.
OPERATOR = {
    "AzureWebJobsStorage__blobServiceUri": "https://postino.blob.core.windows.net",
    "AzureWebJobsStorage__queueServiceUri": "https://postino.queue.core.windows.net",
    "COSMOS_ENDPOINT": "https://cosmos.example:443/",
    "MESSAGES_QUEUE": "messages-created",
}
HASH_KEY = "the-app-citizen-hash-key"
NO_SECRETS: frozenset[SettingName] = frozenset()
HASH_KEY_ONLY = frozenset({SettingName.CITIZEN_HASH_KEY})
CALLBACK_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
CALLBACK_KEY_ONLY = frozenset({SettingName.CALLBACK_SECRETS_KEY})


def _asked(*argv: str) -> frozenset[SettingName]:
    return secrets_used(_parser().parse_args(list(argv)))


@pytest.mark.parametrize(
    "argv",
    [
        ["service", "list"],
        ["service", "show", "svc-1"],
        ["key", "rotate", "svc-1", "--slot", "PRIMARY"],
        ["citizen", "show", FISCAL_CODE],
        ["message", "show", "01JCZ0000000000000000000C1"],
        ["poison", "list"],
        ["push", "list"],
    ],
)
def test_commands_that_hash_no_citizen_ask_for_no_secret(argv: list[str]) -> None:
    assert _asked(*argv) == NO_SECRETS


@pytest.mark.parametrize(
    "argv",
    [
        ["service", "callback", "retire", "svc-1"],
        ["service", "callback", "remove", "svc-1"],
    ],
)
def test_callback_commands_that_seal_nothing_ask_for_no_secret(argv: list[str]) -> None:
    assert _asked(*argv) == NO_SECRETS


@pytest.mark.parametrize(
    "argv",
    [
        ["service", "callback", "set", "svc-1", "--url", "https://hooks.example.com/p"],
        ["service", "callback", "rotate", "svc-1"],
    ],
)
def test_callback_commands_that_seal_a_secret_ask_for_the_callback_key(argv: list[str]) -> None:
    assert _asked(*argv) == CALLBACK_KEY_ONLY


def test_a_sealing_command_says_it_needs_the_callback_key_when_missing() -> None:
    with pytest.raises(MissingSettingError) as missing:
        command_settings(OPERATOR, command="service callback rotate", secrets=CALLBACK_KEY_ONLY)
    message = str(missing.value)
    assert message.startswith("`service callback rotate` needs app setting CALLBACK_SECRETS_KEY")
    assert "callback-secrets-key" in message


def test_the_callback_key_is_not_read_by_a_command_that_did_not_ask_for_it() -> None:
    # GIVEN the key is in the environment
    env = {**OPERATOR, SettingName.CALLBACK_SECRETS_KEY: CALLBACK_KEY}
    settings = command_settings(env, command="service callback retire", secrets=NO_SECRETS)
    # THEN the command does not get it, and sealing with what it got fails naming the setting
    assert CALLBACK_KEY not in repr(vars(settings))
    with pytest.raises(MissingSettingError, match="CALLBACK_SECRETS_KEY") as refused:
        SecretBox.from_setting(settings.callback_secrets_key)
    assert "`service callback retire`" in str(refused.value)


def test_a_command_that_asks_for_the_callback_key_gets_it_and_not_the_hash_key() -> None:
    env = {**OPERATOR, SettingName.CALLBACK_SECRETS_KEY: CALLBACK_KEY}
    settings = command_settings(env, command="service callback set", secrets=CALLBACK_KEY_ONLY)
    box = SecretBox.from_setting(settings.callback_secrets_key)
    assert box.open(box.seal(b"s", service_id="svc-1"), service_id="svc-1") == b"s"
    with pytest.raises(MissingSettingError, match="CITIZEN_HASH_KEY"):
        push_tag(FISCAL_CODE, settings.citizen_hash_key)


def test_listing_one_citizens_pushes_asks_for_the_hash_key() -> None:
    assert _asked("push", "list", "--fiscal-code", FISCAL_CODE) == HASH_KEY_ONLY


def test_a_command_that_asks_for_no_secret_runs_without_the_hash_key() -> None:
    # GIVEN an operator's environment without CITIZEN_HASH_KEY
    # WHEN `service list` builds its settings
    settings = command_settings(OPERATOR, command="service list", secrets=NO_SECRETS)
    # THEN they are built, pointed at the operator's stores
    assert settings.cosmos_endpoint == OPERATOR["COSMOS_ENDPOINT"]


def test_the_hash_key_is_not_read_by_a_command_that_did_not_ask_for_it() -> None:
    # GIVEN the key is in the environment (a local settings file holds it)
    env = {**OPERATOR, SettingName.CITIZEN_HASH_KEY: HASH_KEY}
    settings = command_settings(env, command="service list", secrets=NO_SECRETS)
    # THEN the command does not get it, and hashing with what it got fails naming the setting
    assert HASH_KEY not in repr(vars(settings))
    with pytest.raises(MissingSettingError, match="CITIZEN_HASH_KEY") as refused:
        push_tag(FISCAL_CODE, settings.citizen_hash_key)
    assert "`service list`" in str(refused.value)


def test_a_command_that_asks_for_the_hash_key_says_it_needs_it_when_missing() -> None:
    with pytest.raises(MissingSettingError) as missing:
        command_settings(OPERATOR, command="push list", secrets=HASH_KEY_ONLY)
    message = str(missing.value)
    assert message.startswith("`push list` needs app setting CITIZEN_HASH_KEY")
    assert "citizen-hash-key" in message


def test_a_command_that_asks_for_the_hash_key_gets_it() -> None:
    env = {**OPERATOR, SettingName.CITIZEN_HASH_KEY: HASH_KEY}
    settings = command_settings(env, command="push list", secrets=HASH_KEY_ONLY)
    assert push_tag(FISCAL_CODE, settings.citizen_hash_key) == push_tag(FISCAL_CODE, HASH_KEY)


@pytest.mark.parametrize(
    "hub",
    [
        # Half a hub configuration, which the app refuses.
        {SettingName.NOTIFICATION_HUB_CONNECTION: "Endpoint=sb://x/;SharedAccessKey=k"},
        # A Key Vault reference the operator's shell cannot resolve.
        {
            SettingName.NOTIFICATION_HUB_CONNECTION: "@Microsoft.KeyVault(SecretUri=https://kv/s/)",
            SettingName.NOTIFICATION_HUB_NAME: "postino",
        },
    ],
)
def test_the_notification_hub_settings_are_never_read(hub: dict[str, str]) -> None:
    settings = command_settings({**OPERATOR, **hub}, command="push list", secrets=NO_SECRETS)
    assert (settings.notification_hub_connection, settings.notification_hub_name) == ("", None)
