""".funcignore leaves in the app's package exactly what the app runs: host.json,
requirements.txt, shared/ and the function folders; nothing it imports is left out."""

from __future__ import annotations

import ast
import fnmatch
import subprocess
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
FUNCIGNORE = ROOT / ".funcignore"
# What a checkout, a local run or a deployment job leaves next to the code.
GENERATED = [
    ".venv/bin/python",
    ".venv-checkov/bin/checkov",
    ".venv-openapi-client/bin/openapi-python-client",
    "node_modules/azurite/package.json",
    ".local/logs/azurite.log",
    ".hypothesis/examples/x",
    ".pytest_cache/v/cache/nodeids",
    "shared/__pycache__/config.cpython-313.pyc",
    "CreateMessage/__pycache__/__init__.cpython-313.pyc",
    "local.settings.json",
    "build/host.json",
    "dist/postino.zip",
    "clients/postino-send/src/postino_send.egg-info/PKG-INFO",
    "outputs.json",
    "postino.zip",
]


def _patterns() -> list[str]:
    lines = FUNCIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(path: str) -> bool:
    """As gitignore reads a pattern without a slash: it matches any part of the path."""
    parts = PurePosixPath(path).parts
    return any(fnmatch.fnmatchcase(part, pattern) for part in parts for pattern in _patterns())


def _checkout_files() -> list[str]:
    # What a checkout holds, less what git ignores: tracked files and new ones alike.
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in listed.stdout.splitlines() if (ROOT / name).exists()]


def _function_folders() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/function.json")}


def _runtime_entries() -> set[str]:
    return {"host.json", "requirements.txt", "shared", *_function_folders()}


def test_every_pattern_is_read_alike_by_func_the_github_action_and_rsync() -> None:
    # No slash (anchoring differs between gitignore and rsync) and no `!` (rsync has none).
    for pattern in _patterns():
        assert "/" not in pattern, pattern
        assert not pattern.startswith("!"), pattern


def test_the_package_holds_exactly_what_the_app_runs() -> None:
    shipped = {PurePosixPath(name).parts[0] for name in _checkout_files() if not _ignored(name)}
    assert shipped == _runtime_entries()


def test_nothing_of_shared_or_the_function_folders_is_left_out() -> None:
    runtime = _runtime_entries()
    for name in _checkout_files():
        if PurePosixPath(name).parts[0] in runtime:
            assert not _ignored(name), name


def test_local_and_build_leftovers_are_left_out() -> None:
    for path in GENERATED:
        assert _ignored(path), path


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_app_imports_nothing_of_the_repository_that_is_left_out() -> None:
    runtime = _runtime_entries()
    repository_packages = {path.name for path in ROOT.iterdir() if path.is_dir()}
    for name in _checkout_files():
        top = PurePosixPath(name).parts[0]
        if top in runtime and name.endswith(".py") and not _ignored(name):
            imported = _top_level_imports(ROOT / name) & repository_packages
            assert imported <= runtime, f"{name} imports {sorted(imported - runtime)}"
