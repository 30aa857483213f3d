"""The message template: placeholders, loading, rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import write_template
from postino_send.template import MessageTemplate, TemplateError, placeholders


def test_placeholders_are_the_column_names_in_order() -> None:
    assert placeholders("Dear {nome}, your {anno} tax of {amount:>8}") == ["nome", "anno", "amount"]


def test_doubled_braces_are_literal_braces() -> None:
    assert placeholders("{{not a placeholder}} {nome}") == ["nome"]


@pytest.mark.parametrize(
    "text", ["Dear {nome", "Dear }", "Dear {}", "Dear {0}", "Dear {nome.upper}", "Dear {a[0]}"]
)
def test_rejects_placeholders_that_are_not_column_names(text: str) -> None:
    with pytest.raises(TemplateError):
        placeholders(text)


def test_renders_a_row_into_subject_and_markdown() -> None:
    template = MessageTemplate(subject="TARI {anno}", markdown="Dear {nome}, TARI {anno}.")

    assert template.render({"anno": "2026", "nome": "Maria", "other": "x"}) == (
        "TARI 2026",
        "Dear Maria, TARI 2026.",
    )
    assert template.columns() == {"anno", "nome"}


def test_loads_a_toml_template(tmp_path: Path) -> None:
    path = write_template(
        tmp_path / "t.toml",
        'subject = "S {a}"\nmarkdown = "M {b}"\ntime_to_live = 7200\n'
        "[payment]\ninvalid_after_due_date = true\n",
    )

    template = MessageTemplate.load(path)

    assert template.columns() == {"a", "b"}
    assert template.time_to_live == 7200
    assert template.payment == {"invalid_after_due_date": True}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('markdown = "M"\n', "`subject`"),
        ('subject = "S"\nmarkdown = "M"\ncolour = "red"\n', "unknown template keys: colour"),
        ('subject = "S"\nmarkdown = "M"\n[payment]\namount = 1\n', "unknown [payment] keys"),
        ('subject = "S {"\nmarkdown = "M"\n', "malformed placeholder"),
        ("subject = ", "not valid TOML"),
    ],
)
def test_a_malformed_template_says_what_is_wrong(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(TemplateError, match=words.replace("[", r"\[").replace("]", r"\]")):
        MessageTemplate.load(write_template(tmp_path / "t.toml", text))
