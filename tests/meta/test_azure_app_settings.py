"""The Bicep app settings are exactly the settings the app reads in Azure, and the sample
settings exactly those it reads locally: nothing missing, nothing unused.

infra/azure/modules/app-settings.bicep keeps each setting on one `NAME: value` line of the
object literals `settings` and `premiumOnlySettings` (the rule is stated there too)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from shared.config import AZURE_ONLY_SETTINGS, LOCAL_ONLY_SETTINGS, SettingName

ROOT = Path(__file__).resolve().parents[2]
APP_SETTINGS_BICEP = ROOT / "infra" / "azure" / "modules" / "app-settings.bicep"
SETTING_REFERENCE = re.compile(r"%([A-Za-z0-9_]+)%")
SETTING_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.+?)\s*$")

# Settings the platform reads, not the app's code, each with why it is set in Azure.
# (APPLICATIONINSIGHTS_CONNECTION_STRING is read by both: the Functions host sends the log
# lines with it, the app its traces and metrics; it is a SettingName, so it is counted there.)
AZURE_RUNTIME_SETTINGS: dict[str, str] = {}
# Elastic Premium only: Flex Consumption takes these from functionAppConfig and refuses them.
PREMIUM_RUNTIME_SETTINGS = {
    "FUNCTIONS_EXTENSION_VERSION": "the Functions runtime's major version (~4)",
    "FUNCTIONS_WORKER_RUNTIME": "the language worker (python)",
    "WEBSITE_RUN_FROM_PACKAGE": "the code package's blob, read with the managed identity, "
    "so that no Azure Files share (and no account key) is needed",
}
# Settings the local host reads: Core Tools and the offline host need the worker runtime.
LOCAL_RUNTIME_SETTINGS = {"FUNCTIONS_WORKER_RUNTIME"}


def _object_literal(text: str, name: str) -> dict[str, str]:
    """`NAME: value` lines of `var <name> = { ... }`, comments skipped."""
    match = re.search(rf"^var {name} = \{{\n(.*?)^\}}", text, re.MULTILINE | re.DOTALL)
    assert match, f"var {name} = {{...}} not found in {APP_SETTINGS_BICEP.name}"
    entries: dict[str, str] = {}
    for line in match.group(1).splitlines():
        if not line.strip() or line.strip().startswith("//"):
            continue
        entry = SETTING_LINE.match(line)
        assert entry, f"not a `NAME: value` line: {line.strip()!r}"
        assert entry.group(1) not in entries, f"{entry.group(1)} is set twice"
        entries[entry.group(1)] = entry.group(2)
    return entries


def _bicep_settings() -> tuple[dict[str, str], dict[str, str]]:
    text = APP_SETTINGS_BICEP.read_text(encoding="utf-8")
    return _object_literal(text, "settings"), _object_literal(text, "premiumOnlySettings")


def _settings_the_functions_read() -> set[str]:
    names: set[str] = set()
    for path in ROOT.glob("*/function.json"):
        for binding in json.loads(path.read_text())["bindings"]:
            for value in binding.values():
                if isinstance(value, str):
                    names |= set(SETTING_REFERENCE.findall(value))
            if "connection" in binding:
                names.add(binding["connection"])
    return names


def _settings_the_app_reads() -> set[str]:
    return {name.value for name in SettingName} | _settings_the_functions_read()


def test_the_bicep_sets_every_setting_the_app_reads_in_azure_and_nothing_else():
    common, premium_only = _bicep_settings()
    expected = (
        _settings_the_app_reads() - LOCAL_ONLY_SETTINGS
        | AZURE_ONLY_SETTINGS
        | set(AZURE_RUNTIME_SETTINGS)
    )
    assert set(common) == expected
    assert set(premium_only) == set(PREMIUM_RUNTIME_SETTINGS)


def test_the_bicep_sets_no_local_only_setting_on_any_plan():
    common, premium_only = _bicep_settings()
    assert not (set(common) | set(premium_only)) & LOCAL_ONLY_SETTINGS


def test_the_sample_settings_are_what_the_app_reads_locally():
    sample = set(json.loads((ROOT / "local.settings.sample.json").read_text())["Values"])
    expected = _settings_the_app_reads() - AZURE_ONLY_SETTINGS | LOCAL_RUNTIME_SETTINGS
    assert sample == expected


def test_secrets_are_key_vault_references_in_azure():
    common, _ = _bicep_settings()
    for name in (
        SettingName.CITIZEN_HASH_KEY,
        SettingName.CALLBACK_SECRETS_KEY,
        SettingName.NOTIFICATION_HUB_CONNECTION,
    ):
        assert common[name].startswith("'@Microsoft.KeyVault(SecretUri=${"), name


def test_tunables_take_the_sample_defaults_so_they_are_written_once():
    common, _ = _bicep_settings()
    sample = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]
    # A plain string (no ${...}) for a setting the sample holds would be a second default.
    literal = [
        name for name, value in common.items() if re.fullmatch(r"'[^$]*'", value) and name in sample
    ]
    assert literal == [], "a default written again in the Bicep: read it from `defaults`"
    for name, value in common.items():
        if value.startswith("defaults."):
            assert value == f"defaults.{name}"
            assert name in sample
