"""App settings: local.settings.json into the environment, and ``%NAME%`` references out of it.

As under Core Tools, a variable already set in the environment wins over the file, so a test
or a shell can override one setting without editing the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import HostConfigError, MissingSettingError

SETTINGS_FILE = "local.settings.json"
SAMPLE_SETTINGS_FILE = "local.settings.sample.json"

_SETTING_REFERENCE = re.compile(r"%([^%\s]+)%")


@dataclass(frozen=True)
class LocalSettings:
    """What a local settings file holds that the host uses."""

    source: Path | None
    values: Mapping[str, str] = field(default_factory=dict)
    local_http_port: int | None = None


def find_settings_file(app_root: Path, explicit: Path | None) -> Path | None:
    """The settings file to read: ``explicit``, else local.settings.json, else the sample.

    Raises HostConfigError when ``explicit`` does not exist.
    """
    if explicit is not None:
        if not explicit.is_file():
            raise HostConfigError(f"settings file {explicit} does not exist")
        return explicit
    for name in (SETTINGS_FILE, SAMPLE_SETTINGS_FILE):
        candidate = app_root / name
        if candidate.is_file():
            return candidate
    return None


def read_local_settings(path: Path | None) -> LocalSettings:
    """Parse a local.settings.json file; ``None`` gives empty settings.

    Raises HostConfigError when the file is not valid JSON, is encrypted, or a value in
    ``Values`` is not a string (app settings in Azure are always strings).
    """
    if path is None:
        return LocalSettings(source=None)
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise HostConfigError(f"cannot read {path}: {error}") from error
    if not isinstance(raw, dict):
        raise HostConfigError(f"{path}: expected a JSON object")
    if raw.get("IsEncrypted") is True:
        raise HostConfigError(f"{path}: encrypted settings are not supported; decrypt them first")
    values = raw.get("Values", {})
    if not isinstance(values, dict):
        raise HostConfigError(f"{path}: 'Values' must be an object")
    wrong = sorted(name for name, value in values.items() if not isinstance(value, str))
    if wrong:
        raise HostConfigError(f"{path}: values must be strings; not so for {', '.join(wrong)}")
    host_section = raw.get("Host") or {}
    port = host_section.get("LocalHttpPort") if isinstance(host_section, dict) else None
    return LocalSettings(
        source=path,
        values=dict(values),
        local_http_port=int(port) if isinstance(port, int | str) and str(port).isdigit() else None,
    )


def apply_to_environment(settings: LocalSettings, environ: MutableMapping[str, str]) -> list[str]:
    """Copy the settings into ``environ`` unless already set; return the names the
    environment overrides: set there to a value other than the file's (a variable holding
    the file's own value, as `make run` passes every setting, overrides nothing)."""
    overridden = []
    for name, value in settings.values.items():
        if name not in environ:
            environ[name] = value
        elif environ[name] != value:
            overridden.append(name)
    return sorted(overridden)


def resolve_setting_references(text: str, environ: Mapping[str, str], *, where: str) -> str:
    """Replace every ``%NAME%`` in ``text`` with the app setting NAME.

    Raises MissingSettingError naming the first setting that is not set.
    """

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise MissingSettingError(name, where)
        return environ[name]

    return _SETTING_REFERENCE.sub(substitute, text)
