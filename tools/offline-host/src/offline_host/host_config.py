"""The parts of host.json (version 2.0) the offline host honours, with the real defaults."""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from .errors import HostConfigError
from .host_overrides import apply_overrides
from .timespan import parse_timespan

HOST_FILE = "host.json"

# Consumption-plan default: a function that fits here fits on every plan.
DEFAULT_FUNCTION_TIMEOUT = timedelta(minutes=5)
MIN_POLLING_INTERVAL = timedelta(milliseconds=100)
MAX_BATCH_SIZE = 32


class MessageEncoding(enum.Enum):
    """How queue message text maps to the bytes a function sees."""

    BASE64 = "base64"
    NONE = "none"


@dataclass(frozen=True)
class QueueOptions:
    """``extensions.queues`` of host.json."""

    message_encoding: MessageEncoding = MessageEncoding.BASE64
    max_dequeue_count: int = 5
    visibility_timeout: timedelta = timedelta(0)
    batch_size: int = 16
    new_batch_threshold: int = 8
    max_polling_interval: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class HostConfig:
    """host.json as the offline host reads it."""

    route_prefix: str = "api"
    queues: QueueOptions = QueueOptions()
    function_timeout: timedelta | None = DEFAULT_FUNCTION_TIMEOUT
    function_allow_list: tuple[str, ...] | None = None


def read_host_config(app_root: Path, environ: Mapping[str, str] | None = None) -> HostConfig:
    """Read ``app_root/host.json``, with AzureFunctionsJobHost__ settings applied.

    Raises HostConfigError when the file is missing, not version 2.0, or holds a bad value.
    """
    path = app_root / HOST_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as error:
        raise HostConfigError(f"{path} not found: is {app_root} a function app?") from error
    except (OSError, ValueError) as error:
        raise HostConfigError(f"cannot read {path}: {error}") from error
    if not isinstance(raw, dict) or raw.get("version") != "2.0":
        raise HostConfigError(f'{path}: only host.json version "2.0" is supported')
    raw = apply_overrides(raw, os.environ if environ is None else environ)
    extensions = _object(raw, "extensions", path)
    http = _object(extensions, "http", path)
    allow_list = raw.get("functions")
    return HostConfig(
        route_prefix=str(http.get("routePrefix", "api")).strip("/"),
        queues=_queue_options(_object(extensions, "queues", path)),
        function_timeout=_function_timeout(raw.get("functionTimeout")),
        function_allow_list=tuple(str(name) for name in allow_list) if allow_list else None,
    )


def _object(parent: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = parent.get(key) or {}
    if not isinstance(value, dict):
        raise HostConfigError(f"{path}: '{key}' must be an object")
    return value


def _function_timeout(value: object) -> timedelta | None:
    if value is None:
        return DEFAULT_FUNCTION_TIMEOUT
    if not isinstance(value, str):
        raise HostConfigError("host.json functionTimeout must be a TimeSpan string")
    timeout = parse_timespan(value, setting="host.json functionTimeout")
    return None if timeout < timedelta(0) else timeout


def _queue_options(queues: dict[str, Any]) -> QueueOptions:
    def timespan(key: str, default: timedelta) -> timedelta:
        value = queues.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise HostConfigError(f"host.json extensions.queues.{key} must be a TimeSpan string")
        return parse_timespan(value, setting=f"host.json extensions.queues.{key}")

    def integer(key: str, default: int, minimum: int, maximum: int | None = None) -> int:
        value = queues.get(key, default)
        if not isinstance(value, int) or value < minimum or (maximum and value > maximum):
            bounds = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}"
            raise HostConfigError(f"host.json extensions.queues.{key} must be an integer {bounds}")
        return value

    encoding_name = str(queues.get("messageEncoding", "base64")).lower()
    try:
        encoding = MessageEncoding(encoding_name)
    except ValueError as error:
        raise HostConfigError(
            "host.json extensions.queues.messageEncoding must be 'base64' or 'none'"
        ) from error
    batch_size = integer("batchSize", 16, 1, MAX_BATCH_SIZE)
    polling = timespan("maxPollingInterval", timedelta(minutes=1))
    if polling < MIN_POLLING_INTERVAL:
        raise HostConfigError("host.json extensions.queues.maxPollingInterval must be >= 100 ms")
    visibility = timespan("visibilityTimeout", timedelta(0))
    if visibility < timedelta(0):
        raise HostConfigError("host.json extensions.queues.visibilityTimeout must not be negative")
    return QueueOptions(
        message_encoding=encoding,
        max_dequeue_count=integer("maxDequeueCount", 5, 1),
        visibility_timeout=visibility,
        batch_size=batch_size,
        new_batch_threshold=integer("newBatchThreshold", batch_size // 2, 0),
        max_polling_interval=polling,
    )
