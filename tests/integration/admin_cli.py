"""Running the admin CLI in-process, as the integration tests of its commands do."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.admin.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The exit code, standard output and standard error of `postino-admin ARGS`."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    """The exit code and the parsed output of `postino-admin --json ARGS`."""
    code, out, _ = run_cli(capsys, "--json", *args)
    return code, json.loads(out)
