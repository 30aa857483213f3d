"""The package ships the API's own domain rules, on the app's pins, and installs alone."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from builders import a_row, fiscal_codes, write_csv, write_template
from postino_send.compat import tomllib

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parents[1]
DOMAIN = ROOT / "shared" / "domain"
# What shared/domain may import to be shipped with the sender: the standard library, the
# declared dependencies, and itself.
ALLOWED_THIRD_PARTY = {"pydantic", "pydantic_core", "ulid"}


# The one exception to the app's pins, on 3.10 only (the app runs on 3.13): python-ulid 4.1.0
# needs 3.11, and tomllib is new in 3.11 (tomli 2.0.1 is the parser it ships).
ON_3_11 = "python_version >= '3.11'"
BEFORE_3_11 = "python_version < '3.11'"
PINS_BEFORE_3_11 = {"python-ulid": "4.0.1", "tomli": "2.0.1"}


def _pins(lines: list[str], marker: str = "") -> dict[str, str]:
    """The name==version pins of `lines` whose environment marker is `marker`."""
    pins = {}
    for line in lines:
        requirement, _, line_marker = line.split("#")[0].partition(";")
        if "==" in requirement and line_marker.strip() == marker:
            name, version = requirement.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_the_dependencies_are_pinned_as_the_app_pins_them() -> None:
    project = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]
    app = _pins((ROOT / "requirements.txt").read_text().splitlines())
    dependencies = project["dependencies"]

    on_3_11 = _pins(dependencies, ON_3_11)
    ours = _pins(dependencies) | on_3_11
    before_3_11 = _pins(dependencies, BEFORE_3_11)

    assert ours == {name: app[name] for name in ours}
    assert set(ours) == {"pydantic", "python-ulid", "requests"}
    assert before_3_11 == PINS_BEFORE_3_11
    # an app pin is marked for 3.11 exactly where 3.10 has its own, and nothing else is marked
    assert set(on_3_11) == set(before_3_11) & set(ours)
    assert len(dependencies) == len(ours) + len(before_3_11)


def test_the_pythons_declared_are_the_pythons_tested() -> None:
    project = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]
    script = (PACKAGE / "scripts" / "test-pythons.sh").read_text()
    [tested] = re.findall(r"^SUPPORTED=\(([^)]*)\)$", script, re.MULTILINE)

    declared = [
        classifier.rsplit(" :: ", 1)[1]
        for classifier in project["classifiers"]
        if classifier.startswith("Programming Language :: Python :: 3.")
    ]

    assert tested.split() == declared
    assert project["requires-python"] == f">={declared[0]}"
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in declared


def test_the_shipped_domain_imports_nothing_outside_itself_and_its_dependencies() -> None:
    outside = set()
    for path in DOMAIN.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                allowed = (
                    name.startswith("shared.domain")
                    or top == "__future__"
                    or top in sys.stdlib_module_names
                    or top in ALLOWED_THIRD_PARTY
                )
                if not allowed:
                    outside.add(f"{path.name}: {name}")

    assert outside == set()


@pytest.mark.timeout(600)
def test_installs_into_a_fresh_virtualenv_and_validates_offline(tmp_path: Path) -> None:
    # GIVEN a new virtualenv with nothing but pip
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"

    # WHEN the package is installed from the repository, as an institution would
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PACKAGE],
        check=True,
        capture_output=True,
        timeout=540,
    )

    # THEN its command runs, with the domain rules it shipped, away from the repository
    csv_path = write_csv(tmp_path / "r.csv", [a_row(code) for code in fiscal_codes(2)])
    write_csv(tmp_path / "bad.csv", [a_row("RSSMRA80A01H501X")])
    template = write_template(tmp_path / "t.toml")
    command: list[str | Path] = [
        env / "bin" / "postino-send",
        "--template",
        template,
        "--campaign",
        "c",
    ]

    ok = subprocess.run(
        [*command, "--validate-only", csv_path],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    bad = subprocess.run(
        [*command, "--validate-only", tmp_path / "bad.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    where = subprocess.run(
        [python, "-c", "import shared.domain.message_rules as m; print(m.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )

    assert (ok.returncode, ok.stdout) == (0, "2 row(s), all valid\n"), ok.stderr
    assert bad.returncode == 2
    assert "not a valid fiscal code" in bad.stderr
    assert where.stdout.startswith(str(env))
