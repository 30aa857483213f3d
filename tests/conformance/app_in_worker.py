"""The app's functions as the offline host sees them, and their worker metadata."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from offline_host.discovery import Discovery, discover_functions
from offline_host.host_config import read_host_config
from offline_host.worker.metadata import function_metadata
from offline_host.worker.protocol import pb

APP_ROOT = Path(__file__).resolve().parents[2]


def discover(settings: Mapping[str, str]) -> Discovery:
    """The host's discovery of the app's functions, with `settings` as app settings."""
    environ = {**os.environ, **settings}
    return discover_functions(APP_ROOT, read_host_config(APP_ROOT, environ), environ)


def app_metadata(discovery: Discovery) -> list[pb.RpcFunctionMetadata]:
    """What the worker is told of each function (RpcFunctionMetadata)."""
    return [function_metadata(config) for config in discovery.functions]
