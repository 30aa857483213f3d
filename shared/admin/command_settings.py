"""The settings one CLI command runs with: the app's settings, less the secrets it does not use.

The app needs every secret; an operator who lists services needs none, and should not have
the key that names every citizen outside the store in their shell for that. So each command
says, from its arguments, which of the CLI's secrets it uses (`secrets_used` in its parser
defaults, a SecretsUsed); the others are never read:

- CITIZEN_HASH_KEY only by the commands that hash a fiscal code (`push list --fiscal-code`,
  `citizen erase`).
  A command that did not ask for it gets a stand-in that refuses to be used as a key, so a
  command that hashes without asking fails naming the setting instead of hashing wrong.
- CALLBACK_SECRETS_KEY only by the commands that seal a callback's signing secret
  (`service callback set` and `rotate`); the others get the same kind of stand-in, so a
  command that seals without asking fails naming the setting.
- NOTIFICATION_HUB_CONNECTION (and the hub's name, which goes with it) never: the CLI sends
  no push.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Mapping
from typing import NoReturn

from shared.config import MissingSettingError, SettingName, Settings

# The secrets a command may ask for, and what each is (for the error that asks for it).
OPTIONAL_SECRETS: dict[SettingName, str] = {
    SettingName.CITIZEN_HASH_KEY: "the key of the keyed hash that names citizens in push tags; "
    "give the app's own value (in Azure, the Key Vault secret citizen-hash-key)",
    SettingName.CALLBACK_SECRETS_KEY: "the key that seals callback signing secrets; give the "
    "app's own value (in Azure, the Key Vault secret callback-secrets-key)",
}
# Never read by any command.
UNUSED_SETTINGS = frozenset(
    {SettingName.NOTIFICATION_HUB_CONNECTION, SettingName.NOTIFICATION_HUB_NAME}
)
# What Settings.from_env reads for a required secret the command will not use: a value of
# the right shape (the callback key is checked to be 32 bytes), replaced by a stand-in after.
_NOT_READ = {
    SettingName.CITIZEN_HASH_KEY: "not read by this command",
    SettingName.CALLBACK_SECRETS_KEY: "bm90IHJlYWQgYnkgdGhpcyBjb21tYW5kLCAzMiBieXQ=",
}

type SecretsUsed = Callable[[argparse.Namespace], frozenset[SettingName]]


class SecretNotGiven(str):
    """Stands for a secret the command did not ask for: an empty text whose use as a key
    (encoding it, as every keyed hash does) raises MissingSettingError naming the setting."""

    message: str

    def __new__(cls, name: SettingName, command: str) -> SecretNotGiven:
        stand_in = super().__new__(cls, "")
        stand_in.message = (
            f"`{command}` used app setting {name} without asking for it "
            "(secrets_used in its parser defaults)"
        )
        return stand_in

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> NoReturn:
        raise MissingSettingError(self.message)


def secrets_used(args: argparse.Namespace) -> frozenset[SettingName]:
    """The secrets the parsed command line asks for (none unless its command says so)."""
    used: SecretsUsed | None = getattr(args, "secrets_used", None)
    return frozenset() if used is None else used(args)


def command_settings(
    env: Mapping[str, str], *, command: str, secrets: frozenset[SettingName]
) -> Settings:
    """The settings for `command`, reading of the optional secrets only `secrets`.

    Raises MissingSettingError (naming the command and what the secret is when it is one
    the command asked for) or InvalidSettingError, as Settings.from_env does.
    """
    unknown = secrets - set(OPTIONAL_SECRETS)
    if unknown:
        raise ValueError(f"not a secret the CLI knows: {', '.join(sorted(unknown))}")
    given = {name: value for name, value in env.items() if name not in UNUSED_SETTINGS}
    for name, meaning in OPTIONAL_SECRETS.items():
        if name in secrets and not given.get(name, "").strip():
            raise MissingSettingError(f"`{command}` needs app setting {name}: {meaning}")
        if name not in secrets:
            given[name] = _NOT_READ[name]
    settings = Settings.from_env(given)
    for name in OPTIONAL_SECRETS:
        if name not in secrets:
            stand_in = SecretNotGiven(name, command)
            if name is SettingName.CITIZEN_HASH_KEY:
                settings = dataclasses.replace(settings, citizen_hash_key=stand_in)
            else:
                settings = dataclasses.replace(settings, callback_secrets_key=stand_in)
    return settings
