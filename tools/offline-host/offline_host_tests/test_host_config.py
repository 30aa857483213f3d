"""host.json: the values the offline host honours, and their defaults."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from offline_host.errors import HostConfigError
from offline_host.host_config import (
    DEFAULT_FUNCTION_TIMEOUT,
    MessageEncoding,
    read_host_config,
)
from offline_host.timespan import parse_timespan


def app_with(tmp_path: Path, host: dict[str, object]) -> Path:
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", **host}))
    return tmp_path


def test_defaults_are_the_real_hosts(tmp_path: Path) -> None:
    config = read_host_config(app_with(tmp_path, {}))
    assert config.route_prefix == "api"
    assert config.function_timeout == DEFAULT_FUNCTION_TIMEOUT
    queues = config.queues
    assert queues.message_encoding is MessageEncoding.BASE64
    assert (queues.max_dequeue_count, queues.batch_size, queues.new_batch_threshold) == (5, 16, 8)
    assert queues.visibility_timeout == timedelta(0)
    assert queues.max_polling_interval == timedelta(minutes=1)


def test_queue_options_and_prefix_are_read(tmp_path: Path) -> None:
    config = read_host_config(
        app_with(
            tmp_path,
            {
                "functionTimeout": "00:10:00",
                "extensions": {
                    "http": {"routePrefix": "/v1/"},
                    "queues": {
                        "messageEncoding": "None",
                        "maxDequeueCount": 2,
                        "visibilityTimeout": "00:00:30",
                        "batchSize": 4,
                        "maxPollingInterval": "00:00:02",
                    },
                },
            },
        )
    )
    assert config.route_prefix == "v1"
    assert config.function_timeout == timedelta(minutes=10)
    assert config.queues.message_encoding is MessageEncoding.NONE
    assert config.queues.max_dequeue_count == 2
    assert config.queues.visibility_timeout == timedelta(seconds=30)
    assert config.queues.new_batch_threshold == 2  # half the batch size unless given
    assert config.queues.max_polling_interval == timedelta(seconds=2)


def test_empty_route_prefix_is_allowed(tmp_path: Path) -> None:
    config = read_host_config(app_with(tmp_path, {"extensions": {"http": {"routePrefix": ""}}}))
    assert config.route_prefix == ""


def test_negative_function_timeout_means_unlimited(tmp_path: Path) -> None:
    assert read_host_config(app_with(tmp_path, {"functionTimeout": "-1"})).function_timeout is None


def test_functions_list_restricts_the_app(tmp_path: Path) -> None:
    config = read_host_config(app_with(tmp_path, {"functions": ["One", "Two"]}))
    assert config.function_allow_list == ("One", "Two")


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ({"extensions": {"queues": {"messageEncoding": "utf8"}}}, "messageEncoding"),
        ({"extensions": {"queues": {"batchSize": 64}}}, "batchSize must be an integer in 1..32"),
        ({"extensions": {"queues": {"maxDequeueCount": 0}}}, "maxDequeueCount"),
        ({"extensions": {"queues": {"maxPollingInterval": "00:00:00.010"}}}, ">= 100 ms"),
        ({"extensions": {"queues": {"visibilityTimeout": 30}}}, "TimeSpan string"),
        ({"functionTimeout": "five minutes"}, "not a TimeSpan"),
    ],
)
def test_invalid_values_are_rejected_naming_the_setting(
    tmp_path: Path, host: dict[str, object], problem: str
) -> None:
    with pytest.raises(HostConfigError, match=problem):
        read_host_config(app_with(tmp_path, host))


def test_missing_or_old_host_json_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(HostConfigError, match="not found"):
        read_host_config(tmp_path)
    (tmp_path / "host.json").write_text(json.dumps({"version": "1.0"}))
    with pytest.raises(HostConfigError, match="version"):
        read_host_config(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:00:10", timedelta(seconds=10)),
        ("01:02:03", timedelta(hours=1, minutes=2, seconds=3)),
        ("1.02:00:00", timedelta(days=1, hours=2)),
        ("00:00:00.250", timedelta(milliseconds=250)),
        ("00:05", timedelta(minutes=5)),
        ("2", timedelta(days=2)),
    ],
)
def test_timespans_parse_like_dotnet(text: str, expected: timedelta) -> None:
    assert parse_timespan(text, setting="x") == expected


@pytest.mark.parametrize("text", ["10s", "00:61:00", "24:00:00", ""])
def test_invalid_timespans_are_rejected(text: str) -> None:
    with pytest.raises(HostConfigError):
        parse_timespan(text, setting="x")
