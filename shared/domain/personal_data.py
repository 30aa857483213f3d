"""Personal data in short texts, such as a message subject that a phone may show when locked.

Detection aims at what people actually type (lower case, grouped digits, obfuscated e-mail
addresses) while leaving alone what public-administration subjects are full of: dates, times,
amounts, years, protocol numbers and payment notice numbers.

Every pattern is precompiled and free of nested ambiguous repetition, so the time spent grows
linearly with the length of the text.
"""

from __future__ import annotations

import re
import unicodedata

from shared.domain.compat import StrEnum
from shared.domain.fiscal_code import is_valid_fiscal_code


class PersonalDataKind(StrEnum):
    """A kind of personal data that must not appear where strangers may read it."""

    FISCAL_CODE = "FISCAL_CODE"
    EMAIL = "EMAIL"
    PHONE_NUMBER = "PHONE_NUMBER"
    IBAN = "IBAN"


# Dropped before searching: format characters, and combining marks (an accent slipped on
# a letter of a fiscal code would otherwise hide it; accents matter to no pattern here).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me"})

# "Not preceded / followed by a letter or digit" (underscore counts as punctuation here).
_START = r"(?<![^\W_])"
_END = r"(?![^\W_])"

# Any sixteen-character token; is_valid_fiscal_code then checks the shape and check character.
_FISCAL_CODE_CANDIDATE = re.compile(_START + r"[A-Za-z0-9]{16}" + _END)

# "@" and "." may be spelled out in brackets to dodge address harvesters.
_AT = r"(?:@|\s*[\[({]\s*(?:at|chiocciola)\s*[\])}]\s*)"
_DOT = r"(?:\.|\s*[\[({]\s*(?:dot|punto)\s*[\])}]\s*)"
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
# The local part may only start where no other local-part character precedes it: without
# this, every position inside a long word would be retried, making the search quadratic.
_EMAIL = re.compile(
    rf"(?<![\w.%+-])[\w%+-][\w.%+-]*{_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[^\W\d_]{{2,}}(?![\w-])",
    re.IGNORECASE,
)

# An IBAN written compact, in blocks of four, or in the bank's own grouping ("IT 60 X 05428
# ..."): single spaces may appear anywhere. The lookahead makes candidates overlap, so an IBAN
# right after an unrelated "AB12" token is still seen; the bounded length keeps that linear.
_IBAN_CANDIDATE = re.compile(_START + r"(?=([A-Za-z]{2} ?[0-9]{2}(?: ?[A-Za-z0-9]){11,30}))")

# IBAN lengths from the ISO 13616 registry. An unknown country is not flagged: mod 97 alone
# would let about one random code in a hundred through.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

# A run of digits held together by single spaces, dashes, dots or parentheses, with an
# optional leading "+". Each separator must be followed by a digit, so there is one way to
# read any run and " - " (a title separator) ends it.
_NUMBER_RUN = re.compile(_START + r"(?:\(?\+ ?)?\(?[0-9](?:[0-9()]|[ .\-](?=[0-9(]))*")
_NOT_PHONE_PARTS = str.maketrans("", "", "+ .-()")

# Whole runs that read as something else even when their digits would fit a phone number.
_NOT_PHONE_SHAPES = tuple(
    re.compile(shape)
    for shape in (
        r"[0-9]{1,2}[-. ][0-9]{1,2}[-. ][0-9]{2}(?:[0-9]{2})?",  # date: 03-12-2026, 03.12.26
        r"[0-9]{1,2}[-. ][0-9]{4}",  # month and year: 03-2026
        r"[0-9]{1,2}\.[0-9]{2}(?:[ -][0-9]{1,2}\.[0-9]{2})+",  # hours: 09.30-12.30
        r"[0-9]{1,3}(?:\.[0-9]{3})+",  # amount with thousands: 312.456.789
    )
)

# A phone number has 8 to 15 digits after its country prefix (ITU-T E.164).
_INTERNATIONAL_DIGITS = range(8, 16)
_ITALIAN_LANDLINE_DIGITS = range(6, 12)
_ITALIAN_MOBILE_DIGITS = range(9, 11)
_VAT_NUMBER_DIGITS = 11


def normalised_for_search(text: str) -> str:
    """`text` as a reader sees it: compatibility forms folded (NFKC: fullwidth letters and
    digits, ligatures), format characters (Unicode Cf: zero-width spaces and joiners, soft
    hyphens, word joiners, bidirectional controls) and combining marks dropped; so that
    invisible characters slipped inside a fiscal code, an address or a number hide nothing.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        char for char in decomposed if unicodedata.category(char) not in _INVISIBLE_CATEGORIES
    )
    return unicodedata.normalize("NFKC", kept)


def find_personal_data(text: str) -> list[PersonalDataKind]:
    """The kinds of personal data found in text, each at most once, in enum order (read
    as normalised_for_search gives it)."""
    text = normalised_for_search(text)
    found: set[PersonalDataKind] = set()
    if _has_fiscal_code(text):
        found.add(PersonalDataKind.FISCAL_CODE)
    # E-mail addresses and IBANs are blanked once found, so the digits inside them are not
    # read again as phone numbers.
    email_spans = [match.span() for match in _EMAIL.finditer(text)]
    if email_spans:
        found.add(PersonalDataKind.EMAIL)
        text = _blank(text, email_spans)
    iban_spans = _iban_spans(text)
    if iban_spans:
        found.add(PersonalDataKind.IBAN)
        text = _blank(text, iban_spans)
    if _has_phone_number(text):
        found.add(PersonalDataKind.PHONE_NUMBER)
    return [kind for kind in PersonalDataKind if kind in found]


def _has_fiscal_code(text: str) -> bool:
    return any(
        is_valid_fiscal_code(match.group().upper())
        for match in _FISCAL_CODE_CANDIDATE.finditer(text)
    )


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _iban_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in _IBAN_CANDIDATE.finditer(text):
        start, candidate = match.start(), match.group(1)
        expected = _IBAN_LENGTHS.get(candidate[:2].upper())
        if expected is None:
            continue
        # The IBAN may end after any space-separated chunk. A chunk cut short by the 34-character
        # bound adds up to 34, more than any listed length, so no IBAN ends inside a longer code.
        chunks = candidate.split(" ")
        length, end = 0, start
        for index, chunk in enumerate(chunks):
            length += len(chunk)
            end += len(chunk) + (1 if index else 0)
            if length == expected:
                compact = "".join(chunks[: index + 1]).upper()
                if _is_valid_iban(compact):
                    spans.append((start, end))
                break
            if length > expected:
                break
    return spans


def _is_valid_iban(compact: str) -> bool:
    # Check digits 00, 01 and 99 are never issued, though 99 can satisfy mod 97.
    if not 2 <= int(compact[2:4]) <= 98:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _has_phone_number(text: str) -> bool:
    for match in _NUMBER_RUN.finditer(text):
        run = match.group()
        digits = run.translate(_NOT_PHONE_PARTS)
        if not _has_phone_digits(digits, international="+" in run):
            continue
        if any(shape.fullmatch(run) for shape in _NOT_PHONE_SHAPES):
            continue
        if run == digits and len(digits) == _VAT_NUMBER_DIGITS and _passes_luhn(digits):
            # An Italian VAT number identifies an organization, not a person.
            continue
        if _is_part_of_larger_token(text, match.start(), match.end()):
            continue
        return True
    return False


def _has_phone_digits(digits: str, *, international: bool) -> bool:
    if international:
        # Country codes never start with 0.
        return len(digits) in _INTERNATIONAL_DIGITS and not digits.startswith("0")
    if digits.startswith("00"):
        return _has_phone_digits(digits[2:], international=True)
    if digits.startswith("0"):
        return len(digits) in _ITALIAN_LANDLINE_DIGITS
    if digits.startswith("3"):
        return len(digits) in _ITALIAN_MOBILE_DIGITS
    return False


def _is_part_of_larger_token(text: str, start: int, end: int) -> bool:
    # A slash marks dates and protocol numbers (2026/012345); a comma or colon between digits
    # marks decimals and times; a letter right after marks a code such as 12345678A.
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before in ("/", "\\") or after in ("/", "\\") or after.isalnum():
        return True
    digit_before = before in (",", ":") and start > 1 and text[start - 2].isdigit()
    digit_after = after in (",", ":") and end + 1 < len(text) and text[end + 1].isdigit()
    return digit_before or digit_after


def _passes_luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0
