"""Every row turned into the request the API will get, and checked with the API's own rules
(`shared.domain`, shipped with this package) before anything is sent."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from postino_send.idempotency import idempotency_key
from postino_send.recipients_csv import (
    AMOUNT_COLUMN,
    DUE_DATE_COLUMN,
    FISCAL_CODE_COLUMN,
    NOTICE_NUMBER_COLUMN,
    CsvRow,
)
from postino_send.template import MessageTemplate
from postino_send.wording import plain_detail
from shared.domain.errors import PayloadTooLargeError, ValidationError
from shared.domain.message_rules import validate_new_message

# Where an error the API would report comes from, for people who edit the CSV.
_SOURCES = {
    "/fiscal_code": FISCAL_CODE_COLUMN,
    "/content/subject": "template subject",
    "/content/markdown": "template markdown",
    "/content/due_date": DUE_DATE_COLUMN,
    "/content/payment_data/amount": AMOUNT_COLUMN,
    "/content/payment_data/notice_number": NOTICE_NUMBER_COLUMN,
    "/content/payment_data/payee": "template [payment]",
    "/content/payment_data/invalid_after_due_date": "template [payment]",
    "/time_to_live": "template time_to_live",
    "/feature_level_type": "template feature_level_type",
}
_WHOLE_NUMBER = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class RowProblem:
    """Why a row cannot be sent: `column` in the CSV (or the template), the API's JSON
    pointer, and the API's own words (pydantic's made plain, with the API's error code)."""

    row: int
    column: str
    pointer: str
    detail: str
    code: str = ""  # the API's error code, e.g. pattern_mismatch


@dataclass(frozen=True)
class PreparedRow:
    """A row ready to send: the exact body the API gets, and its Idempotency-Key."""

    row: int
    fiscal_code: str
    body: bytes
    idempotency_key: str


def _source(pointer: str) -> str:
    for prefix, source in _SOURCES.items():
        if pointer == prefix or pointer.startswith(prefix + "/"):
            return source
    return ""


def _amount(cell: str) -> int | str:
    # Euro cents as digits become a number; anything else goes as text, for the API's rule
    # (an integer) to refuse with its own words.
    return int(cell) if _WHOLE_NUMBER.fullmatch(cell) else cell


def message_body(template: MessageTemplate, fiscal_code: str, row: CsvRow) -> dict[str, Any]:
    """The JSON body of `POST /api/v1/messages` for this row. Raises KeyError for a
    placeholder whose column the row lacks."""
    subject, markdown = template.render(row.cells)
    content: dict[str, Any] = {"subject": subject, "markdown": markdown}
    if row.cells.get(DUE_DATE_COLUMN):
        content["due_date"] = row.cells[DUE_DATE_COLUMN]
    notice_number = row.cells.get(NOTICE_NUMBER_COLUMN, "")
    amount = row.cells.get(AMOUNT_COLUMN, "")
    if notice_number or amount:
        payment: dict[str, Any] = {}
        if notice_number:
            payment["notice_number"] = notice_number
        if amount:
            payment["amount"] = _amount(amount)
        if "invalid_after_due_date" in template.payment:
            payment["invalid_after_due_date"] = template.payment["invalid_after_due_date"]
        if "payee_fiscal_code" in template.payment:
            payment["payee"] = {"fiscal_code": template.payment["payee_fiscal_code"]}
        content["payment_data"] = payment
    body: dict[str, Any] = {"fiscal_code": fiscal_code, "content": content}
    if template.time_to_live is not None:
        body["time_to_live"] = template.time_to_live
    if template.feature_level_type is not None:
        body["feature_level_type"] = template.feature_level_type
    return body


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _row_problems(template: MessageTemplate, row: CsvRow) -> tuple[bytes, list[RowProblem]]:
    if row.problem is not None:
        return b"", [RowProblem(row.number, "", "", row.problem)]
    # An empty cell the template needs is a problem of its own; the API's rules still run
    # over the rest of the row, so that every problem of the row is reported at once.
    problems = [
        RowProblem(row.number, name, "", "the template needs this cell and it is empty")
        for name in sorted(template.columns())
        if not row.cells.get(name)
    ]
    fiscal_code = row.cells.get(FISCAL_CODE_COLUMN, "").upper()
    try:
        body = _encode(message_body(template, fiscal_code, row))
    except KeyError as missing:  # only when the header lacks a column; checked before
        return b"", [*problems, RowProblem(row.number, str(missing), "", "no such column")]
    try:
        # The request as the API will get it (the recipient in the body, not in the URL).
        validate_new_message(None, body)
    except ValidationError as invalid:
        problems += [
            RowProblem(
                row.number,
                _source(error.pointer),
                error.pointer,
                plain_detail(error.detail),
                error.code,
            )
            for error in invalid.errors
        ]
    except PayloadTooLargeError as too_large:
        problems.append(RowProblem(row.number, "", "", str(too_large)))
    return body, problems


def missing_columns(template: MessageTemplate, columns: Iterable[str]) -> list[str]:
    """The columns the template refers to that the CSV's header lacks."""
    return sorted(template.columns() - set(columns))


def prepare_rows(
    campaign: str, template: MessageTemplate, rows: Iterable[CsvRow]
) -> tuple[list[PreparedRow], list[RowProblem]]:
    """Every row's request, or every problem of every row: send only when there is none."""
    prepared: list[PreparedRow] = []
    problems: list[RowProblem] = []
    occurrences: Counter[bytes] = Counter()
    for row in rows:
        body, row_problems = _row_problems(template, row)
        if row_problems:
            problems += row_problems
            continue
        fiscal_code = row.cells[FISCAL_CODE_COLUMN].upper()
        key = idempotency_key(campaign, fiscal_code, occurrences[body], body)
        occurrences[body] += 1
        prepared.append(PreparedRow(row.number, fiscal_code, body, key))
    return prepared, problems
