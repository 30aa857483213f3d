from __future__ import annotations

import json

from shared.config import HOST_JSON, read_max_dequeue_count


def test_max_dequeue_count_comes_from_host_json():
    expected = json.loads(HOST_JSON.read_text())["extensions"]["queues"]["maxDequeueCount"]
    assert read_max_dequeue_count(HOST_JSON, {}) == expected


def test_an_app_setting_overrides_host_json_as_in_the_functions_host():
    environ = {"AZUREFUNCTIONSJOBHOST__extensions__queues__maxDequeueCount": "2"}
    assert read_max_dequeue_count(HOST_JSON, environ) == 2
