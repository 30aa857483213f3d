"""Loading function code: module names, the app root on sys.path, import failures."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.offline_host.errors import FunctionLoadError
from infra.local.offline_host.function_config import parse_function_config, read_function_json
from infra.local.offline_host.function_loader import (
    load_function,
    module_name,
    put_app_root_first,
)

HTTP_BINDINGS = [
    {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous"},
    {"type": "http", "direction": "out", "name": "$return"},
]


@pytest.fixture
def app_root(tmp_path: Path) -> Iterator[Path]:
    """An empty app root, removed again from sys.path and sys.modules afterwards."""
    before = set(sys.modules)
    yield tmp_path
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))
    for name in set(sys.modules) - before:
        del sys.modules[name]


def add_function(root: Path, code: str, **function_json: object) -> str:
    name = f"Fn{uuid.uuid4().hex[:8]}"
    folder = root / name
    folder.mkdir()
    script = str(function_json.get("scriptFile", "__init__.py"))
    (folder / "__init__.py").write_text("")
    (folder / script).write_text(code)
    (folder / "function.json").write_text(json.dumps({"bindings": HTTP_BINDINGS, **function_json}))
    return name


def load(root: Path, name: str):
    config = parse_function_config(name, root / name, read_function_json(root / name), {})
    put_app_root_first(root)
    return load_function(config, root)


def test_module_names_follow_the_worker() -> None:
    root = Path("/app")
    assert module_name(root / "Fn" / "__init__.py", root) == "Fn"
    assert module_name(root / "Fn" / "main.py", root) == "Fn.main"
    with pytest.raises(FunctionLoadError, match="outside the app root"):
        module_name(Path("/elsewhere/x.py"), root)
    with pytest.raises(FunctionLoadError, match=r"not a \.py file"):
        module_name(root / "Fn" / "main.js", root)


def test_function_imports_packages_from_the_app_root(app_root: Path) -> None:
    # GIVEN an app with a top-level helper package, imported absolutely by a function
    helpers = app_root / f"helpers_{uuid.uuid4().hex[:8]}"
    helpers.mkdir()
    (helpers / "__init__.py").write_text("GREETING = 'hello'\n")
    code = f"from {helpers.name} import GREETING\n\ndef main(req):\n    return GREETING\n"
    name = add_function(app_root, code)
    # WHEN it is loaded THEN the import works and the app root comes first on sys.path
    loaded = load(app_root, name)
    assert loaded.entry(req=None) == "hello"
    assert sys.path[0] == str(app_root)


def test_script_file_and_entry_point_are_honoured(app_root: Path) -> None:
    code = "async def run(req):\n    return 'ran'\n"
    name = add_function(app_root, code, scriptFile="handler.py", entryPoint="run")
    loaded = load(app_root, name)
    assert loaded.is_async
    assert loaded.entry.__module__ == f"{name}.handler"


def test_module_that_fails_to_import_is_a_load_error_with_its_cause(app_root: Path) -> None:
    name = add_function(app_root, "import not_installed_anywhere\n")
    with pytest.raises(FunctionLoadError, match="cannot import module") as raised:
        load(app_root, name)
    assert isinstance(raised.value.__cause__, ModuleNotFoundError)


def test_missing_entry_point_is_a_load_error(app_root: Path) -> None:
    name = add_function(app_root, "def handler(req):\n    return ''\n")
    with pytest.raises(FunctionLoadError, match="no callable entry point 'main'"):
        load(app_root, name)


def test_missing_script_file_is_a_load_error(app_root: Path) -> None:
    name = add_function(app_root, "", scriptFile="gone.py")
    (app_root / name / "gone.py").unlink()
    with pytest.raises(FunctionLoadError, match="does not exist"):
        load(app_root, name)
