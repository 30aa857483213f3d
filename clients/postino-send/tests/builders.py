"""Builders for the bulk sender's tests: fiscal codes, templates, CSV files."""

from __future__ import annotations

import csv
import itertools
import random
from collections.abc import Iterable, Mapping
from pathlib import Path

from shared.domain.fiscal_code import check_character

SUBJECT = "Il tuo avviso TARI {anno}"
MARKDOWN = (
    "Gentile {nome}, ti inviamo l'avviso di pagamento della **TARI {anno}** del Comune di "
    "Esempio. Puoi pagarlo entro la scadenza con l'app o agli sportelli abilitati."
)
TEMPLATE_TOML = f'''
subject = "{SUBJECT}"
markdown = """{MARKDOWN}"""
time_to_live = 604800

[payment]
invalid_after_due_date = false
'''
NOTICE_NUMBER = "012345678901234567"
DUE_DATE = "2026-12-31T23:59:59Z"
_counter = itertools.count()


def fiscal_codes(count: int) -> list[str]:
    """`count` valid fiscal codes, distinct from any other call's."""
    letters = "".join(random.choice("BCDFGHLMNPRSTVZ") for _ in range(3))
    codes = []
    for _ in range(count):
        serial = next(_counter)
        first_fifteen = f"{letters}MRA80A01H{serial % 1000:03d}"
        codes.append(first_fifteen + check_character(first_fifteen))
    return codes


def a_row(fiscal_code: str, **cells: str) -> dict[str, str]:
    return {
        "fiscal_code": fiscal_code,
        "nome": "Maria",
        "anno": "2026",
        "notice_number": NOTICE_NUMBER,
        "amount": "12050",
        "due_date": DUE_DATE,
        **cells,
    }


def write_csv(path: Path, rows: Iterable[Mapping[str, str]], delimiter: str = ",") -> Path:
    rows = list(rows)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_template(path: Path, text: str = TEMPLATE_TOML) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
