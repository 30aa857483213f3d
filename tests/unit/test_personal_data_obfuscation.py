"""Personal data in a subject is found through the characters that hide it from a naive
search: format characters, compatibility forms, combining marks."""

from __future__ import annotations

import pytest

from shared.domain.personal_data import PersonalDataKind, find_personal_data

FISCAL_CODE = PersonalDataKind.FISCAL_CODE


@pytest.mark.parametrize(
    "text",
    [
        "Pratica RSS\u200bMRA80A01H501U",  # zero-width space
        "Pratica RSSMRA80\u00adA01H501U",  # soft hyphen
        "Pratica RSSMRA80A01\u2060H501U",  # word joiner
        "Pratica RSSMRA80A01H501\u200dU",  # zero-width joiner
        "Pratica \ufeffRSSMRA80A01H501U",  # byte order mark
        "Pratica " + "".join(chr(ord(char) + 0xFEE0) for char in "RSSMRA80A01H501U"),
        "Pratica R\u0301SSMRA80A01H501U",  # a combining accent on a letter
    ],
)
def test_a_fiscal_code_hidden_by_invisible_or_lookalike_characters_is_found(text):
    assert find_personal_data(text) == [FISCAL_CODE]


def test_an_e_mail_address_split_by_a_zero_width_space_is_found():
    assert find_personal_data("Scrivi a mario.rossi@\u200bexample.it") == [PersonalDataKind.EMAIL]


def test_accented_italian_words_are_still_nothing():
    assert find_personal_data("Tassa sui rifiuti: è già ora di pagare, perché scade") == []
