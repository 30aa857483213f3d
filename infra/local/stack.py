"""The local stack as the app sees it: emulator endpoints turned into app settings."""

from __future__ import annotations

import json
from pathlib import Path

from infra.local.emulators import PROJECT_ROOT, EmulatorEndpoints
from shared.config import AZURE_ONLY_SETTINGS

SAMPLE_SETTINGS = PROJECT_ROOT / "local.settings.sample.json"
LOCAL_SETTINGS = PROJECT_ROOT / "local.settings.json"


def sample_values() -> dict[str, str]:
    """The `Values` of local.settings.sample.json."""
    values: dict[str, str] = json.loads(SAMPLE_SETTINGS.read_text(encoding="utf-8"))["Values"]
    return values


def app_settings(endpoints: EmulatorEndpoints, base: Path | None = None) -> dict[str, str]:
    """Every app setting for a run against `endpoints`: the settings file's values, with
    the emulator connection settings pointed at the ports actually in use. Settings the
    sample gained after local.settings.json was copied from it come from the sample. The
    emulators are reached with their keys, so a file pointed at Azure loses its service
    URIs (storage has one form or the other, never both)."""
    source = base or (LOCAL_SETTINGS if LOCAL_SETTINGS.exists() else SAMPLE_SETTINGS)
    values: dict[str, str] = json.loads(source.read_text(encoding="utf-8"))["Values"]
    merged = {**sample_values(), **values, **endpoints.app_settings()}
    return {name: value for name, value in merged.items() if name not in AZURE_ONLY_SETTINGS}
