"""App settings: the local settings file, the environment, and %NAME% references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offline_host.errors import HostConfigError, MissingSettingError
from offline_host.settings import (
    apply_to_environment,
    find_settings_file,
    read_local_settings,
    resolve_setting_references,
)


def write_settings(path: Path, values: dict[str, object], **extra: object) -> Path:
    path.write_text(json.dumps({"IsEncrypted": False, "Values": values, **extra}))
    return path


def test_environment_wins_over_the_settings_file(tmp_path: Path) -> None:
    # GIVEN a file setting A and B, and an environment that already has A
    settings = read_local_settings(write_settings(tmp_path / "s.json", {"A": "file", "B": "file"}))
    environ = {"A": "env"}
    # WHEN the settings are applied
    kept = apply_to_environment(settings, environ)
    # THEN A keeps the environment's value, B comes from the file
    assert environ == {"A": "env", "B": "file"}
    assert kept == ["A"]


def test_an_environment_variable_holding_the_files_value_overrides_nothing(
    tmp_path: Path,
) -> None:
    # GIVEN an environment that repeats the file's A (as `make run` passes every setting)
    # and changes its B
    settings = read_local_settings(
        write_settings(tmp_path / "s.json", {"A": "same", "B": "file", "C": "file"})
    )
    environ = {"A": "same", "B": "env"}
    # WHEN the settings are applied
    overridden = apply_to_environment(settings, environ)
    # THEN only B is reported as overridden by the environment
    assert overridden == ["B"]
    assert environ == {"A": "same", "B": "env", "C": "file"}


def test_local_settings_json_is_preferred_to_the_sample(tmp_path: Path) -> None:
    write_settings(tmp_path / "local.settings.sample.json", {"FROM": "sample"})
    assert find_settings_file(tmp_path, None) == tmp_path / "local.settings.sample.json"
    write_settings(tmp_path / "local.settings.json", {"FROM": "local"})
    assert find_settings_file(tmp_path, None) == tmp_path / "local.settings.json"


def test_explicit_settings_file_is_used_and_must_exist(tmp_path: Path) -> None:
    explicit = write_settings(tmp_path / "ci.json", {})
    write_settings(tmp_path / "local.settings.json", {})
    assert find_settings_file(tmp_path, explicit) == explicit
    with pytest.raises(HostConfigError, match="does not exist"):
        find_settings_file(tmp_path, tmp_path / "missing.json")


def test_no_settings_file_means_no_settings(tmp_path: Path) -> None:
    assert find_settings_file(tmp_path, None) is None
    assert dict(read_local_settings(None).values) == {}


def test_local_http_port_is_read_from_the_host_section(tmp_path: Path) -> None:
    path = write_settings(tmp_path / "s.json", {}, Host={"LocalHttpPort": 7099})
    assert read_local_settings(path).local_http_port == 7099


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "cannot read"),
        (json.dumps({"IsEncrypted": True, "Values": {}}), "encrypted"),
        (
            json.dumps({"Values": {"PORT": 1, "FLAG": True}}),
            "must be strings; not so for FLAG, PORT",
        ),
        (json.dumps({"Values": []}), "'Values' must be an object"),
    ],
)
def test_invalid_settings_files_are_rejected(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(content)
    with pytest.raises(HostConfigError, match=problem):
        read_local_settings(path)


def test_setting_references_are_replaced_anywhere_in_the_text() -> None:
    environ = {"QUEUE": "work", "ENV": "dev"}
    assert resolve_setting_references("%QUEUE%", environ, where="x") == "work"
    assert resolve_setting_references("%QUEUE%-%ENV%-items", environ, where="x") == "work-dev-items"
    assert resolve_setting_references("no references", environ, where="x") == "no references"


def test_missing_setting_is_an_error_naming_it_and_where_it_is_used() -> None:
    with pytest.raises(MissingSettingError, match=r"'SCHEDULE' is not set .*Tick\.timer") as raised:
        resolve_setting_references("%SCHEDULE%", {}, where="binding Tick.timer.schedule")
    assert raised.value.setting == "SCHEDULE"
