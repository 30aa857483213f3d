"""Import each function's code the way the Python worker does: as a package named after
its folder, with the app root first on ``sys.path`` so ``from shared.x import y`` works."""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import FunctionLoadError
from .function_config import FunctionConfig
from .parameter_binding import ParameterPlan, plan_parameters


@dataclass(frozen=True)
class LoadedFunction:
    """A function ready to invoke: its config, entry point and argument plan."""

    config: FunctionConfig
    entry: Callable[..., Any]
    is_async: bool
    plan: ParameterPlan

    @property
    def name(self) -> str:
        return self.config.name


def put_app_root_first(app_root: Path) -> None:
    """Make the app's top-level packages win over any same-named module elsewhere."""
    root = str(app_root.resolve())
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)


def module_name(script_file: Path, app_root: Path) -> str:
    """``Func/__init__.py`` is module ``Func``; ``Func/main.py`` is ``Func.main``.

    Raises FunctionLoadError when the script is outside the app or not a .py file.
    """
    try:
        relative = script_file.resolve().relative_to(app_root.resolve())
    except ValueError as error:
        raise FunctionLoadError(f"scriptFile {script_file} is outside the app root") from error
    if relative.suffix != ".py":
        raise FunctionLoadError(f"scriptFile {relative} is not a .py file")
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def load_function(config: FunctionConfig, app_root: Path) -> LoadedFunction:
    """Import the function's module and check its entry point against its bindings.

    Raises FunctionLoadError when the module does not import (the cause is chained, with
    its traceback), the entry point is missing, or parameters and bindings disagree.
    """
    if not config.script_file.is_file():
        raise FunctionLoadError(f"{config.name}: scriptFile {config.script_file} does not exist")
    name = module_name(config.script_file, app_root)
    try:
        module = importlib.import_module(name)
    except Exception as error:
        raise FunctionLoadError(
            f"{config.name}: cannot import module '{name}': {type(error).__name__}: {error}"
        ) from error
    entry = getattr(module, config.entry_point, None)
    if not callable(entry):
        raise FunctionLoadError(
            f"{config.name}: module '{name}' has no callable entry point '{config.entry_point}'"
        )
    return LoadedFunction(
        config=config,
        entry=entry,
        is_async=inspect.iscoroutinefunction(entry),
        plan=plan_parameters(config, entry),
    )
