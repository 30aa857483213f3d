"""Which client and credential each factory builds for each form of access, and what the
tools do with the identity form. Building a client asks nothing of the network: these read
the built clients' URL and credential."""

from __future__ import annotations

import json
import logging
import os

import pytest
from azure.identity import CredentialUnavailableError, DefaultAzureCredential
from azure.storage.queue import TextBase64DecodePolicy, TextBase64EncodePolicy

from infra.local.emulators import AZURITE_ACCOUNT, EmulatorEndpoints
from infra.local.stack import app_settings
from shared.adapters import provisioning
from shared.adapters.blob_attachments import (
    AccountKeySigner,
    UserDelegationSigner,
    attachment_store,
    blob_container_client,
)
from shared.adapters.cosmos_client import cosmos_credential, domain_errors
from shared.adapters.identity import app_credential
from shared.adapters.push_queue import queue_push_sender
from shared.adapters.queues import queue_client
from shared.admin import local_settings
from shared.config import (
    AZURE_ONLY_SETTINGS,
    LOCAL_ONLY_SETTINGS,
    SettingName,
    Settings,
    StorageConnectionString,
    StorageIdentity,
)
from shared.domain.errors import StorageUnavailableError

ENDPOINTS = EmulatorEndpoints(blob_port=10000, queue_port=10001, cosmos_port=8081)
AZURITE = StorageConnectionString(ENDPOINTS.storage_connection_string)
IDENTITY = StorageIdentity(
    blob_service_uri="https://postino.blob.core.windows.net",
    queue_service_uri="https://postino.queue.core.windows.net/",
)


def test_the_app_has_one_default_azure_credential():
    assert isinstance(app_credential(), DefaultAzureCredential)
    assert app_credential() is app_credential()


def test_a_queue_client_from_a_connection_string_signs_with_the_account_key():
    client = queue_client(AZURITE, "messages-created")
    assert client.url == "http://127.0.0.1:10001/devstoreaccount1/messages-created"
    assert client.credential.account_name == AZURITE_ACCOUNT
    assert not isinstance(client.credential, DefaultAzureCredential)


def test_a_queue_client_by_identity_signs_with_the_app_credential_at_the_queue_uri():
    client = queue_client(IDENTITY, "messages-created")
    assert client.url == "https://postino.queue.core.windows.net/messages-created"
    assert client.credential is app_credential()


@pytest.mark.parametrize("storage", [AZURITE, IDENTITY], ids=["key", "identity"])
def test_every_queue_client_speaks_base64_as_the_host_does(storage):
    client = queue_client(storage, "messages-created")
    # The SDK keeps the policies only privately; a plain-text client would poison every message.
    assert isinstance(client._message_encode_policy, TextBase64EncodePolicy)
    assert isinstance(client._message_decode_policy, TextBase64DecodePolicy)


def test_the_push_queue_is_built_by_the_same_factory():
    sender = queue_push_sender(IDENTITY, "push-notifications")
    assert sender._client.credential is app_credential()
    assert isinstance(sender._client._message_encode_policy, TextBase64EncodePolicy)


def test_a_blob_container_client_takes_either_form():
    by_key = blob_container_client(AZURITE, "attachments")
    by_identity = blob_container_client(IDENTITY, "attachments")
    assert by_key.url == "http://127.0.0.1:10000/devstoreaccount1/attachments"
    assert by_key.credential.account_name == AZURITE_ACCOUNT
    assert by_identity.url == "https://postino.blob.core.windows.net/attachments"
    assert by_identity.credential is app_credential()


def test_links_are_signed_with_the_account_key_given_a_connection_string():
    store = attachment_store(AZURITE)
    assert isinstance(store._signer, AccountKeySigner)
    assert store._container.url.endswith("/devstoreaccount1/attachments")


def test_links_are_signed_with_a_user_delegation_key_given_the_identity():
    store = attachment_store(IDENTITY)
    assert isinstance(store._signer, UserDelegationSigner)
    assert store._container.url == "https://postino.blob.core.windows.net/attachments"
    assert store._container.credential is app_credential()


def test_cosmos_signs_in_with_its_key_or_else_the_identity():
    assert cosmos_credential("emulator-key") == "emulator-key"
    assert cosmos_credential(None) is app_credential()


def _identity_settings() -> Settings:
    return Settings.from_env(
        {
            "AzureWebJobsStorage__blobServiceUri": IDENTITY.blob_service_uri,
            "AzureWebJobsStorage__queueServiceUri": IDENTITY.queue_service_uri,
            # Nothing listens here: provisioning must not even try.
            "COSMOS_ENDPOINT": "https://127.0.0.1:9/",
            "MESSAGES_QUEUE": "messages-created",
            "CITIZEN_HASH_KEY": "a-citizen-hash-key",
            "CALLBACK_SECRETS_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        }
    )


def test_provisioning_by_identity_creates_nothing_and_says_why(caplog):
    # WHEN provisioning runs with settings that reach everything by identity
    with caplog.at_level(logging.INFO, logger=provisioning.__name__):
        provisioning.provision(_identity_settings())
    # THEN it skips Cosmos DB and storage, naming the templates that create them
    skipped = [record.getMessage() for record in caplog.records]
    assert len(skipped) == 2
    assert all("identity" in line and "Azure templates" in line for line in skipped)


def test_the_local_stack_reaches_the_emulators_with_keys_even_from_an_azure_file(tmp_path):
    # GIVEN a settings file pointed at Azure: service URIs, no connection string, no key
    azure_file = tmp_path / "local.settings.json"
    values = {
        "AzureWebJobsStorage__blobServiceUri": IDENTITY.blob_service_uri,
        "AzureWebJobsStorage__queueServiceUri": IDENTITY.queue_service_uri,
        "COSMOS_ENDPOINT": "https://postino.documents.azure.com:443/",
    }
    azure_file.write_text(json.dumps({"Values": values}), encoding="utf-8")
    # WHEN the local stack's settings are made from it
    settings = app_settings(ENDPOINTS, base=azure_file)
    # THEN they reach the emulators with their keys, and read as one form of storage
    assert not AZURE_ONLY_SETTINGS & set(settings)
    assert set(settings) >= LOCAL_ONLY_SETTINGS
    assert Settings.from_env(settings).storage == AZURITE


def test_the_cli_takes_connection_settings_from_the_first_settings_file_only(tmp_path, monkeypatch):
    # GIVEN a local.settings.json pointed at Azure, and the sample with the emulators' keys
    azure_values = {
        "AzureWebJobsStorage__blobServiceUri": IDENTITY.blob_service_uri,
        "AzureWebJobsStorage__queueServiceUri": IDENTITY.queue_service_uri,
        "COSMOS_ENDPOINT": "https://postino.documents.azure.com:443/",
    }
    sample_values = {
        "AzureWebJobsStorage": ENDPOINTS.storage_connection_string,
        "COSMOS_ENDPOINT": ENDPOINTS.cosmos_endpoint,
        "COSMOS_KEY": "emulator-key",
        "COSMOS_VERIFY_TLS": "false",
        "MESSAGES_QUEUE": "messages-created",
        "CITIZEN_HASH_KEY": "local-only-citizen-hash-key",
        "CALLBACK_SECRETS_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    }
    for name, values in (
        ("local.settings.json", azure_values),
        ("local.settings.sample.json", sample_values),
    ):
        (tmp_path / name).write_text(json.dumps({"Values": values}), encoding="utf-8")
    monkeypatch.setattr(local_settings, "PROJECT_ROOT", tmp_path)
    for name in {*azure_values, *sample_values, *LOCAL_ONLY_SETTINGS}:
        # Set, then delete: monkeypatch then removes whatever the load adds, after the test.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    # WHEN the CLI loads its settings
    local_settings.load_local_settings(None)
    # THEN storage and Cosmos DB are reached by identity; the rest comes from the sample
    settings = Settings.from_env(os.environ)
    assert settings.storage == IDENTITY
    assert settings.cosmos_key is None
    assert settings.messages_queue == "messages-created"
    assert SettingName.STORAGE_CONNECTION not in os.environ


def test_no_sign_in_to_cosmos_is_an_outage_that_tells_operators_what_to_do():
    with pytest.raises(StorageUnavailableError, match="az login"), domain_errors():
        raise CredentialUnavailableError("no credential in the chain could sign in")
