"""The command's checks before any call: bad input is reported and nothing is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import a_row, fiscal_codes, write_csv, write_template
from postino_send.cli import EXIT_BAD_INPUT, EXIT_OK, main


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "recipients.csv", write_template(tmp_path / "template.toml")


def _main(csv_path: Path, template: Path, *extra: str) -> int:
    return main([str(csv_path), "--template", str(template), "--campaign", "c1", *extra])


def test_validate_only_checks_every_row_offline(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path, template = files
    write_csv(csv_path, [a_row(code) for code in fiscal_codes(3)])

    assert _main(csv_path, template, "--validate-only") == EXIT_OK
    assert capsys.readouterr().out == "3 row(s), all valid\n"


def test_invalid_rows_are_listed_without_their_fiscal_codes(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path, template = files
    good, bad_amount = fiscal_codes(2)
    write_csv(csv_path, [a_row(good), a_row(bad_amount, amount="x"), a_row("RSSMRA80A01H501X")])

    assert _main(csv_path, template, "--api-url", "http://127.0.0.1:9", "--api-key", "k") == (
        EXIT_BAD_INPUT
    )
    err = capsys.readouterr().err
    assert "2 invalid row(s), 2 problem(s); nothing was sent" in err
    assert "row 2 [amount, /content/payment_data/amount]" in err
    assert "row 3 [fiscal_code, /fiscal_code]: not a valid fiscal code" in err
    assert bad_amount not in err
    assert "RSSMRA80A01H501X" not in err
    assert not csv_path.with_name("recipients.results.csv").exists()


def test_a_template_column_missing_from_the_csv_is_bad_input(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path, template = files
    [code] = fiscal_codes(1)
    write_csv(csv_path, [{"fiscal_code": code, "anno": "2026"}])

    assert _main(csv_path, template, "--validate-only") == EXIT_BAD_INPUT
    assert "the template names columns the CSV lacks: nome" in capsys.readouterr().err


def test_sending_needs_the_api_url_and_key(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_path, template = files
    monkeypatch.delenv("POSTINO_API_URL", raising=False)
    monkeypatch.delenv("POSTINO_API_KEY", raising=False)
    write_csv(csv_path, [a_row(code) for code in fiscal_codes(1)])

    assert _main(csv_path, template) == EXIT_BAD_INPUT
    assert "POSTINO_API_URL" in capsys.readouterr().err


@pytest.mark.parametrize("option", [["--concurrency", "0"], ["--campaign", " "]])
def test_bad_options_are_bad_input(files: tuple[Path, Path], option: list[str]) -> None:
    csv_path, template = files
    write_csv(csv_path, [a_row(code) for code in fiscal_codes(1)])

    assert _main(csv_path, template, "--validate-only", *option) == EXIT_BAD_INPUT
