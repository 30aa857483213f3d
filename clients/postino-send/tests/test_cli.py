"""The command: its checks before any call (bad input is reported and nothing is sent), and
what it says and writes after a run against a fake API."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import a_row, fiscal_codes, write_csv, write_template
from fake_api import FakePostino, problem
from postino_send.cli import (
    EXIT_API_DOWN,
    EXIT_BAD_INPUT,
    EXIT_FAILED_ROWS,
    EXIT_OK,
    main,
)
from postino_send.results_file import read_results
from postino_send.retry import RetryPolicy

API = ["--api-url", "https://postino.example.org", "--api-key", "k", "--no-progress"]
FAST = RetryPolicy(base_delay=0.001)


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


def _send(csv_path: Path, template: Path, fake: FakePostino, *extra: str) -> int:
    return main(
        [str(csv_path), "--template", str(template), "--campaign", "c1", *API, *extra],
        transport=fake,
        retry=FAST,
    )


def _outcomes(csv_path: Path, suffix: str = ".results.csv") -> list[str]:
    return [line["outcome"] for line in read_results(csv_path.with_name(csv_path.stem + suffix))]


def test_a_refused_key_is_reported_as_refused_not_as_an_interruption(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path, template = files
    write_csv(csv_path, [a_row(code) for code in fiscal_codes(3)])
    fake = FakePostino(script=[problem(401, "unknown key")])

    assert _send(csv_path, template, fake, "--concurrency", "1") == EXIT_FAILED_ROWS

    out, err = capsys.readouterr()
    assert "not sent (API key refused)" in out
    assert "interrupted" not in out + err
    assert "the API refused the key (HTTP 401: unknown key)" in err


def test_skip_invalid_sends_the_valid_rows_and_reports_the_others(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a CSV with a bad amount on row 2
    csv_path, template = files
    codes = fiscal_codes(3)
    write_csv(csv_path, [a_row(codes[0]), a_row(codes[1], amount="x"), a_row(codes[2])])
    fake = FakePostino(registered=set(codes))

    # WHEN it is sent with --skip-invalid
    code = _send(csv_path, template, fake, "--skip-invalid")

    # THEN the other rows are sent, the bad one is reported (in plain words) and recorded
    out, err = capsys.readouterr()
    assert code == EXIT_FAILED_ROWS  # a row still needs fixing
    assert "1 invalid row(s), 1 problem(s); they are skipped, the other rows are sent" in err
    assert "row 2 [amount, /content/payment_data/amount]: must be a whole number" in err
    assert codes[1] not in err + out
    assert set(fake.created) == {codes[0], codes[2]}
    assert _outcomes(csv_path) == ["sent", "invalid", "sent"]
    [bad] = [
        line
        for line in read_results(csv_path.with_name("recipients.results.csv"))
        if line["outcome"] == "invalid"
    ]
    assert (bad["row"], bad["fiscal_code"]) == ("2", codes[1])
    assert "must be a whole number" in bad["error"]
    assert "invalid (skipped, not sent)" in out


def test_a_rerun_neither_checks_nor_sends_the_rows_its_results_file_records_sent(
    files: tuple[Path, Path],
) -> None:
    # GIVEN a first run stopped by a refused key after two rows were sent
    csv_path, template = files
    codes = fiscal_codes(4)
    write_csv(csv_path, [a_row(code) for code in codes])
    fake = FakePostino(registered=set(codes))
    fake.on_post = lambda path: (
        fake.script.append(problem(401, "revoked")) if len(fake.created) == 2 else None
    )
    assert _send(csv_path, template, fake, "--concurrency", "1") == EXIT_FAILED_ROWS
    assert _outcomes(csv_path) == ["sent", "sent", "not_sent", "not_sent"]

    # WHEN the same command runs again
    fake.on_post = lambda path: None
    fake.calls.clear()
    assert _send(csv_path, template, fake, "--concurrency", "1") == EXIT_OK

    # THEN only the two rows not sent are checked and sent
    assert _outcomes(csv_path) == ["already_sent", "already_sent", "sent", "sent"]
    assert len(fake.calls) == 4
    assert all(fake.created[code] == 1 for code in codes)


def test_a_dry_run_after_a_partial_send_calls_the_sent_rows_already_sent(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path, template = files
    codes = fiscal_codes(2)
    write_csv(csv_path, [a_row(codes[0])])
    fake = FakePostino(registered=set(codes))
    assert _send(csv_path, template, fake) == EXIT_OK
    write_csv(csv_path, [a_row(code) for code in codes])  # a second row added since
    capsys.readouterr()

    assert _send(csv_path, template, fake, "--dry-run") == EXIT_OK

    assert _outcomes(csv_path, ".dry-run.csv") == ["already_sent", "would_send"]
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert "already sent (earlier run) 1" in lines
    assert "would be sent (dry run) 1" in lines
    assert "(1 already sent according to the results file: no call made)" in lines


def test_with_the_api_down_the_run_stops_early_and_resumes_when_it_is_back(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN 30 rows and an API that cannot be reached
    csv_path, template = files
    codes = fiscal_codes(30)
    write_csv(csv_path, [a_row(code) for code in codes])
    fake = FakePostino(registered=set(codes), down=True)

    # WHEN the command runs, stopping after 5 rows failed in a row
    code = _send(csv_path, template, fake, "--stop-after-failures", "5", "--concurrency", "2")

    # THEN it stops with its own exit code, most rows untried
    out, err = capsys.readouterr()
    assert code == EXIT_API_DOWN
    assert "stopped after 5 rows in a row failed" in err
    assert "not sent (API kept failing)" in out
    assert _outcomes(csv_path).count("not_sent") >= 24
    assert len(fake.calls) <= 6 * FAST.max_attempts

    # AND the same command, with the API back, sends every row once
    fake.down = False
    assert _send(csv_path, template, fake) == EXIT_OK
    assert set(_outcomes(csv_path)) == {"sent"}
    assert all(fake.created[code] == 1 for code in codes)


def test_the_summary_gives_the_runs_time_spent_waiting_and_the_sum_over_workers(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path, template = files
    codes = fiscal_codes(2)
    write_csv(csv_path, [a_row(code) for code in codes])
    fake = FakePostino(
        registered=set(codes),
        script=[
            problem(429, "slow down", Retry_After="0.2"),
            problem(429, "slow", Retry_After="0.2"),
        ],
    )

    assert _send(csv_path, template, fake, "--concurrency", "2") == EXIT_OK

    out = capsys.readouterr().out
    assert "waits: 2 rate limited (429), 0 retried errors;" in out
    assert "s of the run spent waiting (" in out
    assert "s summed over the workers)" in out
