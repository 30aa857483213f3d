from __future__ import annotations

import pytest

from shared.domain.fiscal_code import check_character, is_valid_fiscal_code


@pytest.mark.parametrize("code", ["RSSMRA80A01H501U", "MRARSS80A01H501T"])
def test_accepts_fiscal_codes_with_the_right_check_character(code):
    assert is_valid_fiscal_code(code)


def test_rejects_a_fiscal_code_with_a_wrong_check_character():
    assert not is_valid_fiscal_code("RSSMRA80A01H501X")


def test_accepts_an_omocodia_variant_with_its_own_check_character():
    # GIVEN the year digit 0 replaced by its omocodia letter L
    first_fifteen = "RSSMRA8LA01H501"
    # THEN the variant is valid with its own check character, and not with the original's
    assert is_valid_fiscal_code(first_fifteen + check_character(first_fifteen))
    assert check_character(first_fifteen) != "U"
    assert not is_valid_fiscal_code(first_fifteen + "U")


@pytest.mark.parametrize(
    "code",
    ["", "rssmra80a01h501u", "RSSMRA80A01H501", "RSSMRA80A01H501UU", "RSSMRA80Z01H501U", "1234"],
)
def test_rejects_values_without_the_shape_of_a_fiscal_code(code):
    assert not is_valid_fiscal_code(code)
