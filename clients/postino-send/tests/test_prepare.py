"""Rows turned into API requests and checked with the API's own rules (shared.domain)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import DUE_DATE, MARKDOWN, NOTICE_NUMBER, SUBJECT, a_row, fiscal_codes, write_csv
from postino_send.prepare import missing_columns, prepare_rows
from postino_send.recipients_csv import CsvError, CsvRow, read_recipients
from postino_send.template import MessageTemplate
from shared.domain.errors import ValidationError
from shared.domain.message_rules import validate_new_message

TEMPLATE = MessageTemplate(subject=SUBJECT, markdown=MARKDOWN, time_to_live=604800)


def _rows(*cells: dict[str, str]) -> list[CsvRow]:
    return [CsvRow(number, row) for number, row in enumerate(cells, 1)]


def test_a_valid_row_becomes_the_body_the_api_gets() -> None:
    [code] = fiscal_codes(1)

    [prepared], problems = prepare_rows("c1", TEMPLATE, _rows(a_row(code.lower(), nome="Anna")))

    assert problems == []
    body = json.loads(prepared.body)
    # The recipient goes in the body (never in a URL), upper-cased as the API expects.
    assert body["fiscal_code"] == code == prepared.fiscal_code
    assert body["time_to_live"] == 604800
    assert body["content"]["subject"] == "Il tuo avviso TARI 2026"
    assert body["content"]["markdown"].startswith("Gentile Anna, ")
    assert body["content"]["due_date"] == DUE_DATE
    assert body["content"]["payment_data"] == {"notice_number": NOTICE_NUMBER, "amount": 12050}
    # The API's own validation accepts exactly these bytes.
    assert validate_new_message(None, prepared.body)[0] == code


def test_a_row_without_payment_cells_sends_no_payment() -> None:
    [code] = fiscal_codes(1)

    [prepared], _ = prepare_rows(
        "c1", TEMPLATE, _rows(a_row(code, notice_number="", amount="", due_date=""))
    )

    assert "payment_data" not in json.loads(prepared.body)["content"]


def test_every_problem_of_every_row_is_reported_with_the_apis_words() -> None:
    good, bad_payment, email = fiscal_codes(3)
    rows = _rows(
        a_row(good),
        a_row("RSSMRA80A01H501X"),  # wrong check character
        a_row(bad_payment, amount="12,50", due_date=""),
        a_row(email, nome=""),
        a_row(email, anno="mario.rossi@example.com"),  # personal data in the subject
    )

    prepared, problems = prepare_rows("c1", TEMPLATE, rows)

    assert [row.row for row in prepared] == [1]
    found = {(p.row, p.column, p.pointer) for p in problems}
    assert found == {
        (2, "fiscal_code", "/fiscal_code"),
        (3, "amount", "/content/payment_data/amount"),
        (4, "nome", ""),
        (5, "template subject", "/content/subject"),
    }
    subject_problem = next(p for p in problems if p.row == 5)
    assert "personal data" in subject_problem.detail
    assert "example.com" not in subject_problem.detail


def test_problems_are_the_domain_errors_not_a_copy_of_them() -> None:
    [code] = fiscal_codes(1)
    row = a_row(code, due_date="")  # a payment without a due date: a rule across fields

    _, [problem] = prepare_rows("c1", TEMPLATE, _rows(row))

    prepared_body = json.dumps(
        {
            "fiscal_code": code,
            "content": {
                "subject": "Il tuo avviso TARI 2026",
                "markdown": TEMPLATE.markdown.format_map(row),
                "payment_data": {"notice_number": NOTICE_NUMBER, "amount": 12050},
            },
            "time_to_live": 604800,
        }
    ).encode()
    with pytest.raises(ValidationError) as invalid:
        validate_new_message(None, prepared_body)
    [error] = invalid.value.errors
    assert (problem.pointer, problem.code, problem.detail) == (
        error.pointer,
        error.code,
        error.detail,  # the rule's own words: already plain
    )
    assert problem.column == "due_date"


def test_a_row_with_a_wrong_number_of_cells_is_a_problem() -> None:
    [code] = fiscal_codes(1)

    _, [problem] = prepare_rows("c1", TEMPLATE, [CsvRow(7, a_row(code), "the row has 3 cells")])

    assert (problem.row, problem.detail) == (7, "the row has 3 cells")


def test_columns_the_template_needs_and_the_csv_lacks() -> None:
    assert missing_columns(TEMPLATE, ["fiscal_code", "nome"]) == ["anno"]


def test_reads_a_semicolon_csv_with_a_bom_and_numbers_rows_after_the_header(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("\ufefffiscal_code;nome\nAAA;Maria\n\nBBB;Anna;extra\n", encoding="utf-8")

    recipients = read_recipients(path)

    assert recipients.columns == ("fiscal_code", "nome")
    assert [(r.number, dict(r.cells), r.problem) for r in recipients.rows] == [
        (1, {"fiscal_code": "AAA", "nome": "Maria"}, None),
        (3, {"fiscal_code": "BBB", "nome": "Anna"}, "the row has 3 cells, the header 2"),
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "no header"), ("nome,anno\nx,y\n", "no `fiscal_code`"), ("fiscal_code,a,a\n", "twice")],
)
def test_a_csv_that_cannot_be_used_says_why(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CsvError, match=words):
        read_recipients(path)


def test_write_csv_and_read_back(tmp_path: Path) -> None:
    [code] = fiscal_codes(1)
    path = write_csv(tmp_path / "r.csv", [a_row(code)], delimiter=";")

    [row] = read_recipients(path).rows

    assert row.cells["fiscal_code"] == code


@pytest.mark.parametrize(
    ("cells", "column", "detail", "code"),
    [
        ({"amount": "x"}, "amount", "must be a whole number", "int_type"),
        ({"amount": "0"}, "amount", "must be at least 1", "too_small"),
        (
            {"notice_number": "12"},
            "notice_number",
            "does not have the expected format",
            "pattern_mismatch",
        ),
        (
            {"nome": "x" * 10_000},
            "template markdown",
            "is too long: at most 10000 characters",
            "too_long",
        ),
    ],
)
def test_pydantics_wording_is_told_in_the_apis_plain_words(
    cells: dict[str, str], column: str, detail: str, code: str
) -> None:
    [fiscal_code] = fiscal_codes(1)

    _, [problem] = prepare_rows("c1", TEMPLATE, _rows(a_row(fiscal_code, **cells)))

    assert (problem.column, problem.detail, problem.code) == (column, detail, code)
    assert "should" not in problem.detail
