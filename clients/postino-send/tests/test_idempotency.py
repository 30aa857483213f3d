"""Idempotency-Keys: the same campaign and rows give the same keys, run after run."""

from __future__ import annotations

from builders import MARKDOWN, SUBJECT, a_row, fiscal_codes
from postino_send.idempotency import idempotency_key
from postino_send.prepare import prepare_rows
from postino_send.recipients_csv import CsvRow
from postino_send.template import MessageTemplate
from shared.domain.idempotency import check_idempotency_key

TEMPLATE = MessageTemplate(subject=SUBJECT, markdown=MARKDOWN)


def _keys(campaign: str, rows: list[dict[str, str]]) -> dict[str, str]:
    prepared, problems = prepare_rows(
        campaign, TEMPLATE, [CsvRow(n, row) for n, row in enumerate(rows, 1)]
    )
    assert problems == []
    return {f"{p.fiscal_code}/{p.body.decode()}": p.idempotency_key for p in prepared}


def test_the_same_rows_give_the_same_keys() -> None:
    rows = [a_row(code) for code in fiscal_codes(3)]

    assert _keys("c1", rows) == _keys("c1", rows)


def test_reordering_the_csv_changes_no_key() -> None:
    rows = [a_row(code) for code in fiscal_codes(3)]

    assert _keys("c1", rows) == _keys("c1", list(reversed(rows)))


def test_another_campaign_or_another_text_gives_other_keys() -> None:
    rows = [a_row(code) for code in fiscal_codes(2)]
    changed = [a_row(row["fiscal_code"], nome="Anna") for row in rows]

    assert not set(_keys("c1", rows).values()) & set(_keys("c2", rows).values())
    assert not set(_keys("c1", rows).values()) & set(_keys("c1", changed).values())


def test_identical_rows_are_sent_once_each() -> None:
    [code] = fiscal_codes(1)
    prepared, _ = prepare_rows("c1", TEMPLATE, [CsvRow(1, a_row(code)), CsvRow(2, a_row(code))])

    assert prepared[0].body == prepared[1].body
    assert prepared[0].idempotency_key != prepared[1].idempotency_key


def test_keys_are_what_the_api_accepts() -> None:
    key = idempotency_key("a campaign: with spaces & ünïcode", "RSSMRA80A01H501U", 0, b"{}")

    check_idempotency_key(key)  # raises when the API would refuse it
