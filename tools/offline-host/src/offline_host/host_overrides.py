"""App settings that override host.json, as the real host reads them.

A setting named ``AzureFunctionsJobHost__extensions__queues__maxDequeueCount`` replaces
``extensions.queues.maxDequeueCount``; path segments match host.json keys without regard
to case. Whole numbers become integers (host.json's numbers), anything else stays text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "azurefunctionsjobhost__"


def _value(text: str) -> Any:
    return int(text) if text.isdigit() else text


def apply_overrides(host_json: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """A copy of host.json with every AzureFunctionsJobHost__ setting applied."""
    result: dict[str, Any] = _copy(host_json)
    for name, text in environ.items():
        if not name.lower().startswith(PREFIX):
            continue
        path = [part for part in name[len(PREFIX) :].split("__") if part]
        if not path:
            continue
        node = result
        for part in path[:-1]:
            key = next((k for k in node if k.lower() == part.lower()), part)
            child = node.get(key)
            if not isinstance(child, dict):
                child = {}
                node[key] = child
            node = child
        leaf = next((k for k in node if k.lower() == path[-1].lower()), path[-1])
        node[leaf] = _value(text)
    return result


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in value.items()}
