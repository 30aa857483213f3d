"""Find the functions of an app: every direct sub-folder that holds a function.json."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OfflineHostError
from .function_config import (
    FUNCTION_FILE,
    FunctionConfig,
    is_disabled,
    parse_function_config,
    read_function_json,
)
from .host_config import HostConfig


@dataclass(frozen=True)
class Discovery:
    """The functions found: the runnable ones, the disabled ones, and why others failed."""

    functions: tuple[FunctionConfig, ...] = ()
    disabled: tuple[str, ...] = ()
    errors: Mapping[str, str] = field(default_factory=dict)


def discover_functions(app_root: Path, host: HostConfig, environ: Mapping[str, str]) -> Discovery:
    """Read every function.json under ``app_root``, in name order.

    A function whose function.json is broken, or refers to a missing setting, is recorded
    in ``errors`` and the others still load, as under the real host. host.json's
    ``functions`` list, when present, restricts which folders count.
    """
    allowed = {name.lower() for name in host.function_allow_list or ()}
    functions: list[FunctionConfig] = []
    disabled: list[str] = []
    errors: dict[str, str] = {}
    for directory in sorted(app_root.iterdir(), key=lambda path: path.name.lower()):
        if not (directory / FUNCTION_FILE).is_file():
            continue
        name = directory.name
        if allowed and name.lower() not in allowed:
            continue
        try:
            raw = read_function_json(directory)
            if is_disabled(raw, name, environ):
                disabled.append(name)
                continue
            functions.append(parse_function_config(name, directory, raw, environ))
        except OfflineHostError as error:
            errors[name] = str(error).removeprefix(f"{name}: ")
    return Discovery(tuple(functions), tuple(disabled), errors)
