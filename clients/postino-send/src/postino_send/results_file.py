"""The results CSV: one line per row, written as rows finish (so a crash leaves what was
done), then rewritten complete and in row order at the end.

It holds the recipients' fiscal codes in clear, as the institution's own CSV does, so that
each line can be acted on; it is created readable by its owner only. The terminal and the
summary never show a fiscal code.

Message ids and errors come from the server: a cell a spreadsheet would read as a formula
(CSV injection) is written with a leading `'`, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from postino_send.outcomes import DONE, RowResult

# The Idempotency-Key comes last: a re-run skips the rows whose key it finds sent.
COLUMNS = ("row", "fiscal_code", "outcome", "message_id", "error", "idempotency_key")
# What spreadsheets take as the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """`cell`, prefixed with `'` when a spreadsheet would run it as a formula."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def _open_private(path: Path) -> TextIO:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return open(descriptor, "w", encoding="utf-8", newline="")


def _line(result: RowResult) -> list[str]:
    cells = [str(result.row), result.fiscal_code, result.outcome.value, result.message_id]
    return [spreadsheet_safe(cell) for cell in [*cells, result.error, result.idempotency_key]]


class ResultsWriter:
    """Appends each result as it comes (thread-safe), then `complete` rewrites the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file = _open_private(path)
        self._csv = csv.writer(self._file)
        self._csv.writerow(COLUMNS)
        self._file.flush()

    def record(self, result: RowResult) -> None:
        with self._lock:
            if self._file.closed:
                return
            self._csv.writerow(_line(result))
            self._file.flush()

    def complete(self, results: Iterable[RowResult]) -> None:
        """Replace what was appended with every row's result, in row order."""
        with self._lock:
            self._file.close()
            temporary = self.path.with_name(self.path.name + ".tmp")
            with _open_private(temporary) as out:
                writer = csv.writer(out)
                writer.writerow(COLUMNS)
                writer.writerows(_line(result) for result in results)
            temporary.replace(self.path)


def read_results(path: Path) -> list[dict[str, str]]:
    """The lines of a results file, as dictionaries keyed by COLUMNS."""
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def sent_by_key(path: Path) -> Mapping[str, str]:
    """The Idempotency-Keys of the rows a results file records as sent (or already sent),
    each with its message id: the rows a re-run need not check or send again.

    Empty when the file is missing or unreadable, or was written before keys were recorded:
    the API's replay of the key still keeps a re-run from sending twice.
    """
    try:
        lines = read_results(path)
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return {
        line["idempotency_key"]: line["message_id"]
        for line in lines
        if line.get("outcome") in DONE and line.get("idempotency_key") and line.get("message_id")
    }
