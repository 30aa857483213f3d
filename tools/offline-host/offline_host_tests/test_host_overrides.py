"""App settings named AzureFunctionsJobHost__... override host.json, as in the real host."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from offline_host.host_config import read_host_config
from offline_host.host_overrides import apply_overrides


def test_an_override_replaces_a_nested_value_matching_keys_without_case():
    host: dict[str, Any] = {"version": "2.0", "extensions": {"queues": {"maxDequeueCount": 5}}}
    environ = {"AzureFunctionsJobHost__Extensions__Queues__MaxDequeueCount": "2"}
    assert apply_overrides(host, environ)["extensions"]["queues"]["maxDequeueCount"] == 2
    assert host["extensions"]["queues"]["maxDequeueCount"] == 5  # the original is untouched


def test_an_override_can_add_a_value_host_json_does_not_have():
    environ = {"AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:01"}
    result = apply_overrides({"version": "2.0"}, environ)
    assert result["extensions"]["queues"]["visibilityTimeout"] == "00:00:01"


def test_other_settings_are_ignored():
    assert apply_overrides({"version": "2.0"}, {"PATH": "/bin", "X__Y": "1"}) == {"version": "2.0"}


def test_the_host_reads_host_json_with_the_overrides(tmp_path):
    (tmp_path / "host.json").write_text(
        json.dumps({"version": "2.0", "extensions": {"queues": {"visibilityTimeout": "00:00:10"}}})
    )
    environ = {
        "AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:00",
        "AzureFunctionsJobHost__extensions__queues__maxDequeueCount": "2",
    }
    config = read_host_config(tmp_path, environ)
    assert config.queues.visibility_timeout == timedelta(0)
    assert config.queues.max_dequeue_count == 2
