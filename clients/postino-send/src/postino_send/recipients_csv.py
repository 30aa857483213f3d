"""The recipients' CSV: a header, then one message per row, the recipient in `fiscal_code`."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FISCAL_CODE_COLUMN = "fiscal_code"
# Columns with a meaning of their own (besides feeding placeholders).
DUE_DATE_COLUMN = "due_date"
NOTICE_NUMBER_COLUMN = "notice_number"
AMOUNT_COLUMN = "amount"
_DELIMITERS = ",;\t"


class CsvError(Exception):
    """The CSV as a whole cannot be used (unreadable, no header, no fiscal_code column)."""


@dataclass(frozen=True)
class CsvRow:
    """One data row; `number` 1 is the first row after the header. `problem` says why the
    row is malformed (a wrong number of cells), if it is."""

    number: int
    cells: Mapping[str, str]
    problem: str | None = None


@dataclass(frozen=True)
class RecipientsCsv:
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def _delimiter(header_line: str) -> str:
    # Spreadsheets in Italian locales save with ";": take the separator the header uses most.
    return max(_DELIMITERS, key=header_line.count)


def read_recipients(path: Path, delimiter: str | None = None) -> RecipientsCsv:
    """The rows of the CSV at `path` (UTF-8, with or without a BOM). Raises CsvError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CsvError(f"cannot read the CSV: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CsvError("the CSV is not UTF-8: save it as 'CSV UTF-8'") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CsvError("the CSV has no header line")
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter or _delimiter(lines[0]))
    try:
        header = [name.strip() for name in next(reader)]
        records = list(reader)
    except csv.Error as exc:
        raise CsvError(f"the CSV is malformed: {exc}") from None
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise CsvError(f"columns named twice in the header: {', '.join(duplicated)}")
    if FISCAL_CODE_COLUMN not in header:
        raise CsvError(f"the header has no `{FISCAL_CODE_COLUMN}` column")
    rows: list[CsvRow] = []
    for number, record in enumerate(records, 1):
        if not any(cell.strip() for cell in record):
            continue  # a blank line; the numbers still match the spreadsheet's, minus one
        problem = None
        if len(record) != len(header):
            problem = f"the row has {len(record)} cells, the header {len(header)}"
        cells = {name: value.strip() for name, value in zip(header, record, strict=False)}
        rows.append(CsvRow(number=number, cells=cells, problem=problem))
    return RecipientsCsv(columns=tuple(header), rows=tuple(rows))
