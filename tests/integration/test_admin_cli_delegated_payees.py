"""`service create | update --delegate-payee / --undelegate-payee` against the emulators:
stored, shown, and bad values named flag by flag."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.bootstrap import build_app
from tests.integration.admin_cli import run_cli, run_cli_json

OWN = "01234567890"
PAYEE_A = "98765432109"
PAYEE_B = "11111111111"


def _create(capsys, *extra: str) -> tuple[int, Any]:
    service_id = f"cli-{uuid.uuid4().hex[:8]}"
    return run_cli_json(
        capsys,
        "service",
        "create",
        "--name",
        "Riscossione",
        "--organization-name",
        "Agenzia",
        "--organization-fiscal-code",
        OWN,
        "--id",
        service_id,
        *extra,
    )


@pytest.fixture
def service_id(local_stack, capsys) -> str:
    code, output = _create(capsys)
    assert code == 0
    return str(output["service"]["id"])


def test_update_delegates_and_takes_back_payees_one_by_one(service_id, local_stack, capsys):
    code, output = run_cli_json(
        capsys, "service", "update", service_id, "--delegate-payee", PAYEE_B,
        "--delegate-payee", PAYEE_A,
    )  # fmt: skip
    assert code == 0
    assert output["service"]["delegated_payees"] == [PAYEE_B, PAYEE_A]
    code, output = run_cli_json(
        capsys, "service", "update", service_id, "--undelegate-payee", PAYEE_B
    )
    assert code == 0
    assert output["service"]["delegated_payees"] == [PAYEE_A]
    stored = build_app(local_stack.settings).services.get(service_id)
    assert stored is not None
    assert stored.delegated_payees == frozenset({PAYEE_A})


def test_create_takes_delegated_payees_and_show_lists_them(local_stack, capsys):
    code, created = _create(capsys, "--delegate-payee", PAYEE_A)
    assert code == 0
    code, shown, _ = run_cli(capsys, "service", "show", created["service"]["id"])
    assert code == 0
    assert f"delegated payees: {PAYEE_A} (besides {OWN})" in shown


def test_bad_payee_flags_exit_2_naming_each_flag_and_change_nothing(
    service_id, local_stack, capsys
):
    before = build_app(local_stack.settings).services.get(service_id)
    code, output = run_cli_json(
        capsys, "service", "update", service_id, "--delegate-payee", PAYEE_A,
        "--delegate-payee", "0123", "--undelegate-payee", PAYEE_A,
    )  # fmt: skip
    assert code == 2
    assert [error["flag"] for error in output["errors"]] == [
        "--delegate-payee #2",
        "--undelegate-payee #1",
    ]
    assert build_app(local_stack.settings).services.get(service_id) == before
