"""Italian fiscal codes (codice fiscale) of natural persons, checked in full.

The check character is computed over the first fifteen characters; omocodia variants
(digits replaced by the letters L M N P Q R S T U V) are valid codes of their own.
"""

from __future__ import annotations

import re

from shared.domain.errors import FieldError, ValidationError

FISCAL_CODE_PATTERN = (
    r"^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$"
)
_FISCAL_CODE_RE = re.compile(FISCAL_CODE_PATTERN)

# Values of each character in an odd (1st, 3rd, ...) position; digits share the values
# of the letters in the same alphabet position (0 as A, 1 as B, ...).
_ODD_VALUES = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (
            1,
            0,
            5,
            7,
            9,
            13,
            15,
            17,
            19,
            21,
            2,
            4,
            18,
            20,
            11,
            3,
            6,
            8,
            12,
            14,
            16,
            10,
            22,
            25,
            24,
            23,
        ),
        strict=True,
    )
)


def _odd_value(char: str) -> int:
    if char.isdigit():
        return _ODD_VALUES[chr(ord("A") + int(char))]
    return _ODD_VALUES[char]


def _even_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A")


def check_character(first_fifteen: str) -> str:
    """The check character that completes the first fifteen characters of a fiscal code."""
    total = sum(
        _odd_value(char) if position % 2 == 0 else _even_value(char)
        for position, char in enumerate(first_fifteen)
    )
    return chr(ord("A") + total % 26)


def is_valid_fiscal_code(value: str) -> bool:
    """True when `value` has the shape of a fiscal code and its check character matches."""
    if not _FISCAL_CODE_RE.fullmatch(value):
        return False
    return check_character(value[:15]) == value[15]


def fiscal_code_errors(value: str, pointer: str = "/fiscal_code") -> list[FieldError]:
    """The one error a malformed fiscal code gets, pointing at it; empty when it is valid."""
    if is_valid_fiscal_code(value):
        return []
    return [FieldError("invalid_fiscal_code", "not a valid fiscal code", pointer)]


def require_valid_fiscal_code(value: str, pointer: str = "/fiscal_code") -> None:
    """Raises ValidationError when `value` is not a valid fiscal code."""
    errors = fiscal_code_errors(value, pointer)
    if errors:
        raise ValidationError(errors)
