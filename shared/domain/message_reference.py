"""The institution's own reference for a message: a short label it can find the message by.

Postino's addition to IO's contract. It is printable ASCII, so that the exact match of the
listing's `reference` filter means what it says (no look-alike or invisible characters), and
it must carry no personal data: it is echoed in callbacks and shown to operators.
"""

from __future__ import annotations

import re

from shared.domain.errors import FieldError
from shared.domain.message import MAX_REFERENCE_LENGTH, MIN_REFERENCE_LENGTH
from shared.domain.personal_data import PersonalDataKind, find_personal_data

REFERENCE_POINTER = "/reference"
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")

_KIND_WORDS = {
    PersonalDataKind.FISCAL_CODE: "a fiscal code",
    PersonalDataKind.EMAIL: "an e-mail address",
    PersonalDataKind.PHONE_NUMBER: "a phone number",
    PersonalDataKind.IBAN: "an IBAN",
}


def reference_errors(reference: str, pointer: str = REFERENCE_POINTER) -> list[FieldError]:
    """What is wrong with `reference`, as errors at `pointer` (never quoting its value)."""
    if not MIN_REFERENCE_LENGTH <= len(reference) <= MAX_REFERENCE_LENGTH:
        detail = (
            f"reference must be {MIN_REFERENCE_LENGTH} to {MAX_REFERENCE_LENGTH} characters long"
        )
        return [FieldError("out_of_range", detail, pointer)]
    if not _PRINTABLE_ASCII.fullmatch(reference) or not reference.strip():
        detail = "reference must be printable ASCII text (no control or invisible characters)"
        return [FieldError("invalid_characters", detail, pointer)]
    found = find_personal_data(reference)
    if found:
        kinds = ", ".join(_KIND_WORDS[kind] for kind in found)
        detail = f"reference must carry no personal data; it contains {kinds}"
        return [FieldError("personal_data_in_reference", detail, pointer)]
    return []
