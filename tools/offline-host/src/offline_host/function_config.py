"""What one function.json declares: its trigger, its outputs, where its code is.

Only the bindings the offline host can run are accepted; any other binding type is a load
error for that function, so nothing silently does less than under the real host.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import FunctionLoadError
from .ncrontab import CronSchedule, parse_ncrontab
from .settings import resolve_setting_references
from .storage_connection import storage_connection_string

FUNCTION_FILE = "function.json"
RETURN_BINDING = "$return"

# Properties that are names, not values: the host does not expand %SETTING% in them.
_NOT_RESOLVED = frozenset({"name", "type", "direction"})
_QUEUE_NAME = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


class AuthLevel(enum.Enum):
    """``authLevel`` of an HTTP trigger: which key, if any, a request must carry."""

    ANONYMOUS = "anonymous"
    FUNCTION = "function"
    ADMIN = "admin"


@dataclass(frozen=True)
class HttpTrigger:
    binding_name: str
    route: str
    methods: frozenset[str] | None
    auth_level: AuthLevel


@dataclass(frozen=True)
class QueueTrigger:
    binding_name: str
    queue_name: str
    connection_string: str
    binary: bool = False  # ``dataType: binary``: the function gets the message as bytes


@dataclass(frozen=True)
class TimerTrigger:
    binding_name: str
    schedule: CronSchedule
    run_on_startup: bool


Trigger = HttpTrigger | QueueTrigger | TimerTrigger


@dataclass(frozen=True)
class QueueOutput:
    binding_name: str
    queue_name: str
    connection_string: str


@dataclass(frozen=True)
class FunctionConfig:
    """A function as function.json describes it, with every ``%SETTING%`` resolved."""

    name: str
    directory: Path
    script_file: Path
    entry_point: str
    trigger: Trigger
    http_output: str | None
    queue_outputs: tuple[QueueOutput, ...]
    binding_names: frozenset[str]
    output_names: frozenset[str]

    @property
    def trigger_type(self) -> str:
        """The trigger's binding type as function.json spells it."""
        if isinstance(self.trigger, HttpTrigger):
            return "httpTrigger"
        return "queueTrigger" if isinstance(self.trigger, QueueTrigger) else "timerTrigger"


def read_function_json(directory: Path) -> dict[str, Any]:
    """The parsed function.json of ``directory``; raises FunctionLoadError if unreadable."""
    path = directory / FUNCTION_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise FunctionLoadError(f"cannot read {path}: {error}") from error
    if not isinstance(raw, dict):
        raise FunctionLoadError(f"{path}: expected a JSON object")
    return raw


def is_disabled(raw: Mapping[str, Any], name: str, environ: Mapping[str, str]) -> bool:
    """``disabled`` in function.json, or the app setting ``AzureWebJobs.<name>.Disabled``."""
    setting = environ.get(f"AzureWebJobs.{name}.Disabled", "")
    declared = raw.get("disabled", False)
    return (
        setting.strip().lower() in ("true", "1")
        or declared is True
        or (isinstance(declared, str) and declared.strip().lower() == "true")
    )


def parse_function_config(
    name: str, directory: Path, raw: Mapping[str, Any], environ: Mapping[str, str]
) -> FunctionConfig:
    """Build the FunctionConfig of one function.

    Raises FunctionLoadError when a binding is unsupported or malformed, and
    MissingSettingError when a ``%SETTING%`` or connection is not set.
    """
    bindings = raw.get("bindings")
    if not isinstance(bindings, list) or not bindings:
        raise FunctionLoadError(f"{name}: function.json has no bindings")
    resolved = [_resolve(binding, name, environ) for binding in bindings]
    triggers = [b for b in resolved if str(b.get("type", "")).lower().endswith("trigger")]
    if len(triggers) != 1:
        raise FunctionLoadError(f"{name}: function.json must have exactly one trigger")
    trigger = _trigger(triggers[0], name, environ)
    http_output: str | None = None
    queue_outputs: list[QueueOutput] = []
    for binding in resolved:
        if binding is triggers[0]:
            continue
        kind = str(binding.get("type", "")).lower()
        binding_name = _binding_name(binding, name)
        if _direction(binding) != "out":
            raise FunctionLoadError(
                f"{name}: input binding '{binding_name}' of type '{kind}' is not supported "
                "by the offline host"
            )
        if kind == "http":
            http_output = binding_name
        elif kind == "queue":
            queue_outputs.append(
                QueueOutput(
                    binding_name,
                    _queue_name(binding, name),
                    storage_connection_string(
                        binding.get("connection"), environ, where=f"{name}.{binding_name}"
                    ),
                )
            )
        else:
            raise FunctionLoadError(
                f"{name}: output binding type '{kind}' is not supported by the offline host"
            )
    if http_output is not None and not isinstance(trigger, HttpTrigger):
        raise FunctionLoadError(f"{name}: an 'http' output needs an httpTrigger")
    script = directory / str(raw.get("scriptFile") or "__init__.py")
    names = [_binding_name(binding, name) for binding in resolved]
    if len(set(names)) != len(names):
        raise FunctionLoadError(f"{name}: two bindings have the same name")
    return FunctionConfig(
        name=name,
        directory=directory,
        script_file=script.resolve(),
        entry_point=str(raw.get("entryPoint") or "main"),
        trigger=trigger,
        http_output=http_output,
        queue_outputs=tuple(queue_outputs),
        binding_names=frozenset(names),
        output_names=frozenset(_binding_name(b, name) for b in resolved if b is not triggers[0]),
    )


def _resolve(binding: object, function: str, environ: Mapping[str, str]) -> dict[str, Any]:
    if not isinstance(binding, dict):
        raise FunctionLoadError(f"{function}: every binding must be a JSON object")
    label = f"{function}.{binding.get('name', '?')}"
    return {
        key: resolve_setting_references(value, environ, where=f"binding {label}.{key}")
        if isinstance(value, str) and key not in _NOT_RESOLVED
        else value
        for key, value in binding.items()
    }


def _binding_name(binding: Mapping[str, Any], function: str) -> str:
    value = binding.get("name")
    if not isinstance(value, str) or not (value.isidentifier() or value == RETURN_BINDING):
        raise FunctionLoadError(f"{function}: binding name {value!r} is not a Python identifier")
    return value


def _direction(binding: Mapping[str, Any]) -> str:
    return str(binding.get("direction", "in")).lower()


def _queue_name(binding: Mapping[str, Any], function: str) -> str:
    queue = binding.get("queueName")
    if not isinstance(queue, str) or not _QUEUE_NAME.match(queue):
        raise FunctionLoadError(
            f"{function}: queueName {queue!r} is not a valid queue name "
            "(3-63 lowercase letters, digits and single dashes)"
        )
    return queue


def _trigger(binding: Mapping[str, Any], function: str, environ: Mapping[str, str]) -> Trigger:
    kind = str(binding.get("type", "")).lower()
    name = _binding_name(binding, function)
    if name == RETURN_BINDING or _direction(binding) != "in":
        raise FunctionLoadError(f"{function}: the trigger must be an 'in' binding with a name")
    if kind == "httptrigger":
        methods = binding.get("methods")
        level = str(binding.get("authLevel", "function")).lower()
        try:
            auth_level = AuthLevel(level)
        except ValueError as error:
            raise FunctionLoadError(
                f"{function}: authLevel '{level}' is not supported (anonymous, function, admin)"
            ) from error
        return HttpTrigger(
            binding_name=name,
            route=str(binding.get("route") or function),
            methods=frozenset(str(m).upper() for m in methods) if methods else None,
            auth_level=auth_level,
        )
    if kind == "queuetrigger":
        return QueueTrigger(
            binding_name=name,
            queue_name=_queue_name(binding, function),
            connection_string=storage_connection_string(
                binding.get("connection"), environ, where=f"{function}.{name}"
            ),
            binary=str(binding.get("dataType", "")).lower() == "binary",
        )
    if kind == "timertrigger":
        schedule = binding.get("schedule")
        if not isinstance(schedule, str):
            raise FunctionLoadError(f"{function}: a timerTrigger needs a 'schedule'")
        run_on_startup = binding.get("runOnStartup", False)
        return TimerTrigger(
            binding_name=name,
            schedule=parse_ncrontab(schedule),
            run_on_startup=run_on_startup is True or str(run_on_startup).lower() == "true",
        )
    raise FunctionLoadError(
        f"{function}: trigger type '{kind}' is not supported by the offline host"
    )
