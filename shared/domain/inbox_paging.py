"""Paging through a citizen's inbox: page sizes and continuation tokens.

Pages are keyed on the message id, not counted by offset: ids are ULIDs, ordered by
creation time, so the page after a token is the messages with an id below the last one
it ended on, and messages arriving in between neither repeat nor hide older ones. The
token is that id in URL-safe base64: opaque to clients, so its form may change.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from shared.domain.errors import FieldError, ValidationError
from shared.domain.message_id import looks_like_message_id

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Query parameters are pointed at under /query, as headers are under /headers.
PAGE_SIZE_POINTER = "/query/page_size"
CONTINUATION_TOKEN_POINTER = "/query/continuation_token"  # noqa: S105 (a pointer)
# More digits than this is out of range whatever they say (and never reaches int(), which
# refuses numbers of thousands of digits).
_MAX_PAGE_SIZE_DIGITS = len(str(MAX_PAGE_SIZE))


@dataclass(frozen=True)
class PageRequest:
    """At most `size` messages, only those with an id below `before_id` when it is set."""

    size: int = DEFAULT_PAGE_SIZE
    before_id: str | None = None


def continuation_token(last_id: str) -> str:
    """The token that asks for the page after the one ending with message `last_id`."""
    return base64.urlsafe_b64encode(last_id.encode("ascii")).decode("ascii").rstrip("=")


def _page_size_errors(raw: str | None) -> tuple[int, list[FieldError]]:
    if raw is None:
        return DEFAULT_PAGE_SIZE, []
    if not raw.isascii() or not raw.isdigit():
        return 0, [
            FieldError("not_an_integer", "page_size must be a whole number", PAGE_SIZE_POINTER)
        ]
    size = int(raw) if len(raw.lstrip("0")) <= _MAX_PAGE_SIZE_DIGITS else MAX_PAGE_SIZE + 1
    if not 1 <= size <= MAX_PAGE_SIZE:
        detail = f"page_size must be between 1 and {MAX_PAGE_SIZE}"
        return 0, [FieldError("out_of_range", detail, PAGE_SIZE_POINTER)]
    return size, []


def _before_id(token: str | None) -> tuple[str | None, list[FieldError]]:
    if token is None:
        return None, []
    error = FieldError(
        "invalid_continuation_token",
        "continuation_token is not one this API gave; start again without it",
        CONTINUATION_TOKEN_POINTER,
    )
    if not token.isascii():
        return None, [error]
    try:
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        before_id = decoded.decode("ascii")
    except (binascii.Error, ValueError):
        return None, [error]
    if not looks_like_message_id(before_id) or continuation_token(before_id) != token:
        return None, [error]
    return before_id, []


def page_request(page_size: str | None, token: str | None) -> PageRequest:
    """The page asked for by the `page_size` and `continuation_token` query parameters
    (None when absent).

    Raises ValidationError naming each bad parameter.
    """
    size, size_errors = _page_size_errors(page_size)
    before_id, token_errors = _before_id(token)
    if size_errors or token_errors:
        raise ValidationError(size_errors + token_errors)
    return PageRequest(size=size, before_id=before_id)
