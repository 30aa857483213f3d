"""Made-up citizens for fault runs: valid fiscal codes that belong to nobody."""

from __future__ import annotations

import random

from shared.domain.fiscal_code import check_character

# Consonants only, so no code spells a word; the birth data is fixed (10 December 1985,
# Bologna): the letters alone tell the codes apart (15^6, about 11 million).
_LETTERS = "BCDFGHLMNPRSTVZ"
_BIRTH_DATA = "85T10A944"


def random_fiscal_code(rng: random.Random | None = None) -> str:
    """A valid fiscal code (check character included) with random name letters."""
    draw = rng or random.Random()  # noqa: S311 - test data, not a secret
    first_fifteen = "".join(draw.choice(_LETTERS) for _ in range(6)) + _BIRTH_DATA
    return first_fifteen + check_character(first_fifteen)


def distinct_fiscal_codes(count: int, rng: random.Random | None = None) -> list[str]:
    """`count` different random fiscal codes."""
    draw = rng or random.Random()  # noqa: S311 - test data, not a secret
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(random_fiscal_code(draw))
    return sorted(codes)
