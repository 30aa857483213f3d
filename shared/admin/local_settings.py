"""Where the CLI finds its settings outside Azure: the environment first, else a local
settings file, as the local Functions host reads it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from shared.config import AZURE_ONLY_SETTINGS, LOCAL_ONLY_SETTINGS, SettingName

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILES = ("local.settings.json", "local.settings.sample.json")
# How storage and Cosmos DB are reached comes from the first file alone: a file pointed at
# Azure (service URIs, an endpoint, no keys) must not gain the emulators' keys from the sample.
CONNECTION_SETTINGS = LOCAL_ONLY_SETTINGS | AZURE_ONLY_SETTINGS | {SettingName.COSMOS_ENDPOINT}


class SettingsFileError(Exception):
    """The settings file named on the command line is missing or not a settings file."""


def _read_values(path: Path) -> dict[str, object]:
    try:
        values = json.loads(path.read_text(encoding="utf-8")).get("Values", {})
    except (OSError, ValueError, AttributeError) as exc:
        raise SettingsFileError(f"cannot read settings from {path}: {exc}") from exc
    if not isinstance(values, dict):
        raise SettingsFileError(f'{path} has no "Values" object')
    return values


def load_local_settings(path: Path | None) -> None:
    """Put the `Values` of `path` in the environment, without overriding what is there;
    without `path`, those of SETTINGS_FILES in the project, the first found first (the
    sample fills in settings added after local.settings.json was copied, but never the
    CONNECTION_SETTINGS), unless COSMOS_ENDPOINT is set. Raises SettingsFileError when `path`
    cannot be read."""
    if path is None:
        if os.environ.get(SettingName.COSMOS_ENDPOINT):
            return
        paths = [PROJECT_ROOT / name for name in SETTINGS_FILES if (PROJECT_ROOT / name).exists()]
    else:
        paths = [path]
    for index, each in enumerate(paths):
        for name, value in _read_values(each).items():
            if index > 0 and name in CONNECTION_SETTINGS:
                continue
            os.environ.setdefault(name, str(value))
