"""pydantic's wording of a broken rule, in the API's plainer words for whoever edits the CSV.

The shipped domain rules report what pydantic says ("String should match pattern
'^[0123][0-9]{17}$'", "Input should be a valid integer"); the rules written by hand already
speak plainly ("not a valid fiscal code") and pass through unchanged, as does any wording this
table does not know. The API's stable code (`pattern_mismatch`, `too_large`...) goes along.
"""

from __future__ import annotations

import re

# (pydantic's message, the plain words): the first match wins; groups carry limits over.
_PLAIN = [
    (re.compile(r"Field required"), "is required"),
    (re.compile(r"Input should be a valid integer.*"), "must be a whole number"),
    (re.compile(r"Input should be a valid (string|boolean|number|dictionary)"), r"must be a \1"),
    (re.compile(r"String should match pattern .*"), "does not have the expected format"),
    (
        re.compile(r"String should have at least (\d+) characters?"),
        r"is too short: at least \1 characters",
    ),
    (
        re.compile(r"String should have at most (\d+) characters?"),
        r"is too long: at most \1 characters",
    ),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"must be at most \1"),
    (re.compile(r"Input should be greater than (\S+)"), r"must be more than \1"),
    (re.compile(r"Input should be less than (\S+)"), r"must be less than \1"),
    (re.compile(r"Input should be (.+)"), r"must be \1"),
    (re.compile(r"Extra inputs are not permitted"), "is not a field the API knows"),
]


def plain_detail(detail: str) -> str:
    """`detail` in the API's words when it is pydantic's, else as it is."""
    for pattern, plain in _PLAIN:
        if pattern.fullmatch(detail):
            return pattern.sub(plain, detail)
    return detail


def api_wording(code: str, detail: str) -> str:
    """The plain words, then the API's code in brackets (when it says more than `invalid`)."""
    plain = plain_detail(detail)
    return f"{plain} ({code})" if code and code != "invalid" else plain
