from __future__ import annotations

import pytest

from shared.config import InvalidSettingError, MissingSettingError, Settings

COMPLETE = {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "COSMOS_ENDPOINT": "https://cosmos.example:443/",
    "COSMOS_KEY": "a2V5",
    "MESSAGES_QUEUE": "messages-created",
    "CITIZEN_HASH_KEY": "a-citizen-hash-key",
}


def test_tls_verification_is_on_unless_turned_off():
    assert Settings.from_env(COMPLETE).cosmos_verify_tls is True
    assert Settings.from_env({**COMPLETE, "COSMOS_VERIFY_TLS": "false"}).cosmos_verify_tls is False


@pytest.mark.parametrize("name", sorted(COMPLETE))
def test_a_missing_setting_fails_naming_it(name):
    env = {key: value for key, value in COMPLETE.items() if key != name}
    with pytest.raises(MissingSettingError, match=name):
        Settings.from_env(env)


def test_a_flag_that_is_not_a_boolean_fails_naming_it():
    with pytest.raises(InvalidSettingError, match="COSMOS_VERIFY_TLS"):
        Settings.from_env({**COMPLETE, "COSMOS_VERIFY_TLS": "maybe"})
