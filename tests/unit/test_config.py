from __future__ import annotations

import pytest

from shared.config import (
    AZURE_ONLY_SETTINGS,
    LOCAL_ONLY_SETTINGS,
    MAX_DEQUEUE_COUNT_OVERRIDE,
    InvalidSettingError,
    MissingSettingError,
    Settings,
    StorageConnectionString,
    StorageIdentity,
    read_max_dequeue_count,
    reminder_policy,
)

ACCOUNT_KEY = "c2VjcmV0LWFjY291bnQta2V5"
CONNECTION_STRING = (
    f"DefaultEndpointsProtocol=https;AccountName=postino;AccountKey={ACCOUNT_KEY};"
    "EndpointSuffix=core.windows.net"
)
BLOB_URI = "https://postino.blob.core.windows.net"
QUEUE_URI = "https://postino.queue.core.windows.net"
COMPLETE = {
    "AzureWebJobsStorage": CONNECTION_STRING,
    "COSMOS_ENDPOINT": "https://cosmos.example:443/",
    "COSMOS_KEY": "a2V5",
    "MESSAGES_QUEUE": "messages-created",
    "CITIZEN_HASH_KEY": "a-citizen-hash-key",
    "CALLBACK_SECRETS_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
}
# As the app settings are in Azure: no connection string, no key, the service URIs.
IN_AZURE = {
    **{name: value for name, value in COMPLETE.items() if name not in LOCAL_ONLY_SETTINGS},
    "AzureWebJobsStorage__blobServiceUri": BLOB_URI,
    "AzureWebJobsStorage__queueServiceUri": QUEUE_URI,
}
REQUIRED = sorted(set(COMPLETE) - {"COSMOS_KEY"})


def test_tls_verification_is_on_unless_turned_off():
    assert Settings.from_env(COMPLETE).cosmos_verify_tls is True
    assert Settings.from_env({**COMPLETE, "COSMOS_VERIFY_TLS": "false"}).cosmos_verify_tls is False


@pytest.mark.parametrize("name", REQUIRED)
def test_a_missing_setting_fails_naming_it(name):
    env = {key: value for key, value in COMPLETE.items() if key != name}
    with pytest.raises(MissingSettingError, match=name):
        Settings.from_env(env)


def test_a_flag_that_is_not_a_boolean_fails_naming_it():
    with pytest.raises(InvalidSettingError, match="COSMOS_VERIFY_TLS"):
        Settings.from_env({**COMPLETE, "COSMOS_VERIFY_TLS": "maybe"})


def test_a_connection_string_reaches_storage_with_its_key():
    settings = Settings.from_env(COMPLETE)
    assert settings.storage == StorageConnectionString(CONNECTION_STRING)


def test_the_service_uris_reach_storage_with_the_identity():
    settings = Settings.from_env(IN_AZURE)
    assert settings.storage == StorageIdentity(
        blob_service_uri=BLOB_URI, queue_service_uri=QUEUE_URI
    )


def test_the_azure_only_settings_are_the_storage_uris():
    assert {name.value for name in AZURE_ONLY_SETTINGS} == {
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
    }


def test_both_forms_of_storage_fail_naming_the_settings_without_the_key():
    # GIVEN a connection string AND a service URI
    env = {**COMPLETE, "AzureWebJobsStorage__blobServiceUri": BLOB_URI}
    # WHEN the settings are read THEN the error names both, and shows no value
    with pytest.raises(InvalidSettingError) as raised:
        Settings.from_env(env)
    message = str(raised.value)
    assert "AzureWebJobsStorage " in message
    assert "AzureWebJobsStorage__blobServiceUri" in message
    assert ACCOUNT_KEY not in message
    assert BLOB_URI not in message


def test_neither_form_of_storage_fails_naming_every_storage_setting():
    env = {name: value for name, value in COMPLETE.items() if name != "AzureWebJobsStorage"}
    with pytest.raises(MissingSettingError) as raised:
        Settings.from_env(env)
    message = str(raised.value)
    for name in (
        "AzureWebJobsStorage ",
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
    ):
        assert name in message


@pytest.mark.parametrize("missing", sorted(AZURE_ONLY_SETTINGS))
def test_half_the_service_uris_fails_naming_the_other(missing):
    env = {name: value for name, value in IN_AZURE.items() if name != missing}
    with pytest.raises(MissingSettingError, match=missing):
        Settings.from_env(env)


def test_a_service_uri_must_be_https_for_the_identity_token():
    env = {**IN_AZURE, "AzureWebJobsStorage__queueServiceUri": "http://postino.example"}
    with pytest.raises(InvalidSettingError, match="AzureWebJobsStorage__queueServiceUri"):
        Settings.from_env(env)


def test_a_cosmos_key_is_used_when_given_and_the_identity_otherwise():
    assert Settings.from_env(COMPLETE).cosmos_key == "a2V5"
    assert Settings.from_env(IN_AZURE).cosmos_key is None
    assert Settings.from_env({**IN_AZURE, "COSMOS_KEY": "  "}).cosmos_key is None


def test_tls_verification_may_be_off_only_for_the_emulator_reached_with_its_key():
    env = {**IN_AZURE, "COSMOS_VERIFY_TLS": "false"}
    with pytest.raises(InvalidSettingError, match="COSMOS_VERIFY_TLS"):
        Settings.from_env(env)


def test_the_settings_never_show_a_key():
    text = repr(Settings.from_env(COMPLETE))
    assert ACCOUNT_KEY not in text
    assert "a2V5" not in text
    assert "a-citizen-hash-key" not in text


def test_an_unresolved_key_vault_reference_is_refused_naming_the_setting():
    # GIVEN App Service left a Key Vault reference it could not resolve as the setting's text
    env = {
        **IN_AZURE,
        "CITIZEN_HASH_KEY": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/h)",
    }
    # WHEN the settings are read THEN the app refuses to take it for the key
    with pytest.raises(InvalidSettingError, match="CITIZEN_HASH_KEY") as refused:
        Settings.from_env(env)
    assert "vault.azure.net" not in str(refused.value)


CALLBACK_KEY = COMPLETE["CALLBACK_SECRETS_KEY"]


@pytest.mark.parametrize(
    "text", ["c2hvcnQ=", "not base64!", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMQ=="]
)
def test_a_callback_secrets_key_that_is_not_32_bytes_fails_naming_it_not_showing_it(text):
    with pytest.raises(InvalidSettingError, match="CALLBACK_SECRETS_KEY") as refused:
        Settings.from_env({**COMPLETE, "CALLBACK_SECRETS_KEY": text})
    assert text not in str(refused.value)


def test_the_callback_secrets_key_is_never_shown():
    settings = Settings.from_env(COMPLETE)
    assert settings.callback_secrets_key == CALLBACK_KEY
    assert CALLBACK_KEY not in repr(settings)


def test_loopback_callbacks_are_off_unless_a_local_run_turns_them_on():
    assert Settings.from_env(COMPLETE).callback_allow_loopback_http is False
    local = {**COMPLETE, "CALLBACK_ALLOW_LOOPBACK_HTTP": "true"}
    assert Settings.from_env(local).callback_allow_loopback_http is True


def test_loopback_callbacks_are_refused_in_azure():
    # GIVEN settings as in Azure (no emulator key) asking for loopback callbacks
    env = {**IN_AZURE, "CALLBACK_ALLOW_LOOPBACK_HTTP": "true"}
    # WHEN they are read THEN the app refuses to start, naming the setting
    with pytest.raises(InvalidSettingError, match="CALLBACK_ALLOW_LOOPBACK_HTTP"):
        Settings.from_env(env)
    assert Settings.from_env(IN_AZURE).callback_allow_loopback_http is False


@pytest.mark.parametrize(
    ("read", "name", "value"),
    [
        (Settings.from_env, "MAX_REDELIVERIES", "five"),
        (Settings.from_env, "ACCEPTED_GRACE_SECONDS", "-1"),
        (Settings.from_env, "EVENT_FIRST_RETRY_SECONDS", "9" * 5000),  # too long for int()
        (reminder_policy, "REMINDER_DAILY_CAP", "0"),
        (reminder_policy, "REMINDER_UNREAD_AFTER_DAYS", "\u0663"),  # a digit, but not ASCII
    ],
)
def test_every_whole_number_setting_is_refused_alike_naming_it_not_showing_it(read, name, value):
    # GIVEN a whole-number setting of Settings or of the reminder rules that is not one
    env = {**COMPLETE, name: value}
    # WHEN the settings are read, THEN one error names the setting, not its value
    with pytest.raises(InvalidSettingError, match=f"app setting {name} must be a whole number"):
        read(env)


def test_the_host_json_override_is_a_whole_number_setting_too(tmp_path):
    host_json = tmp_path / "host.json"
    host_json.write_text('{"extensions": {"queues": {"maxDequeueCount": 3}}}')
    assert read_max_dequeue_count(host_json, {}) == 3
    with pytest.raises(InvalidSettingError, match=MAX_DEQUEUE_COUNT_OVERRIDE):
        read_max_dequeue_count(host_json, {MAX_DEQUEUE_COUNT_OVERRIDE: "many"})


def test_a_receiver_has_two_callbacks_in_flight_unless_set_otherwise():
    assert Settings.from_env(COMPLETE).callback_receiver_concurrency == 2
    for value in ("1", "64"):
        env = {**COMPLETE, "CALLBACK_RECEIVER_CONCURRENCY": value}
        assert Settings.from_env(env).callback_receiver_concurrency == int(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be a whole number, at least 1"),
        ("-1", "must be a whole number, at least 1"),
        ("two", "must be a whole number, at least 1"),
        ("65", "must be at most 64"),
    ],
)
def test_a_receiver_concurrency_out_of_range_fails_naming_it(value, message):
    env = {**COMPLETE, "CALLBACK_RECEIVER_CONCURRENCY": value}
    with pytest.raises(InvalidSettingError, match=f"CALLBACK_RECEIVER_CONCURRENCY {message}"):
        Settings.from_env(env)
