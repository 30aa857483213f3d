"""Generating a client from an OpenAPI document with openapi-python-client, a subprocess in
its own virtualenv (.venv-openapi-client; `make test` installs it and names it in
POSTINO_OPENAPI_GENERATOR).

Where that variable is set, or under CI, a missing generator fails the tests that need it;
a bare `pytest` without it skips them, saying why.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GENERATOR_VARIABLE = "POSTINO_OPENAPI_GENERATOR"
DEFAULT_GENERATOR = ROOT / ".venv-openapi-client" / "bin" / "openapi-python-client"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Each document, and the package its client is generated as.
DOCUMENTS = {
    "openapi.yaml": "postino_client",
    "openapi-internal.yaml": "postino_internal_client",
}
GENERATION_TIMEOUT_SECONDS = 240


def _generator() -> Path:
    named = os.environ.get(GENERATOR_VARIABLE)
    if named:
        if not Path(named).is_file():
            pytest.fail(f"{GENERATOR_VARIABLE}={named}: no such generator (make test installs it)")
        return Path(named)
    if DEFAULT_GENERATOR.is_file():
        return DEFAULT_GENERATOR
    if os.environ.get("CI"):
        pytest.fail(f"no openapi-python-client at {DEFAULT_GENERATOR}: run `make test`")
    pytest.skip(f"no openapi-python-client: `make test` installs it, or set {GENERATOR_VARIABLE}")


@dataclass(frozen=True)
class Generated:
    document: dict[str, Any]
    output: str
    returncode: int
    package: Path
    python: Path
    env: dict[str, str]


def _generate(name: str, workdir: Path) -> Generated:
    generator = _generator()
    bin_dir = generator.parent
    # Its post-generation hook runs ruff by name: the virtualenv's own, first on PATH.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("VIRTUAL_ENV", None)
    package = workdir / DOCUMENTS[name]
    done = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(ROOT / "docs" / name),
            "--output-path",
            str(package),
            "--meta",
            "none",
            "--fail-on-warning",
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=GENERATION_TIMEOUT_SECONDS,
        check=False,
    )
    document = yaml.safe_load((ROOT / "docs" / name).read_text(encoding="utf-8"))
    return Generated(
        document=document,
        output=done.stdout + done.stderr,
        returncode=done.returncode,
        package=package,
        python=bin_dir / "python",
        env=env,
    )


_CLIENTS: dict[str, Generated] = {}


def client_of(name: str, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The client of one document, generated once per session."""
    if name not in _CLIENTS:
        _CLIENTS[name] = _generate(name, tmp_path_factory.mktemp("client"))
    return _CLIENTS[name]


def run_with_client(client: Generated, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `script` (with `args`) in the generator's Python, the generated package importable."""
    return subprocess.run(
        [str(client.python), "-c", script, *args],
        env={**client.env, "PYTHONPATH": str(client.package.parent)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
