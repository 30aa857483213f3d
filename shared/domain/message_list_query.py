"""The query string of `GET /api/v1/messages`: filters, page size and continuation token.

Pages are keyed, not counted: the token holds the id of the last message of the page
(ids are ULIDs, ordered by creation time), so the next page is the ids below it, and a
message arriving in between neither repeats nor hides another. The token is opaque to
clients (URL-safe base64 of a versioned keyset), and one this API could not have given is
a 400.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from shared.domain.errors import FieldError, ValidationError
from shared.domain.message import MessageStatus, Timestamp
from shared.domain.message_id import looks_like_message_id
from shared.domain.message_reference import reference_errors
from shared.domain.service_messages import ServiceMessageFilter

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
_TOKEN_PREFIX = "m1:"  # noqa: S105 (not a secret) the keyset's version: its form may change, old tokens then fail
_MAX_PAGE_SIZE_DIGITS = len(str(MAX_PAGE_SIZE))
_TIMESTAMP: TypeAdapter[datetime] = TypeAdapter(Timestamp)


def _pointer(name: str) -> str:
    return f"/query/{name}"


@dataclass(frozen=True)
class MessageListRequest:
    """One page of a service's messages: which ones, and at most how many."""

    filter: ServiceMessageFilter
    page_size: int = DEFAULT_PAGE_SIZE


def continuation_token(last_id: str) -> str:
    """The token asking for the page after the one that ended with message `last_id`."""
    raw = (_TOKEN_PREFIX + last_id).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _before_id(token: str) -> str | None:
    """The keyset in `token`, or None when this API could not have given it."""
    if not token.isascii() or len(token) > 64:
        return None
    try:
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    last_id = decoded.removeprefix(_TOKEN_PREFIX)
    if decoded == last_id or not looks_like_message_id(last_id):
        return None
    return last_id if continuation_token(last_id) == token else None


def _page_size(raw: str | None, errors: list[FieldError]) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isascii() or not raw.isdigit():
        errors.append(
            FieldError("not_an_integer", "page_size must be a whole number", _pointer("page_size"))
        )
        return DEFAULT_PAGE_SIZE
    size = int(raw) if len(raw.lstrip("0")) <= _MAX_PAGE_SIZE_DIGITS else MAX_PAGE_SIZE + 1
    if not 1 <= size <= MAX_PAGE_SIZE:
        detail = f"page_size must be between 1 and {MAX_PAGE_SIZE}"
        errors.append(FieldError("out_of_range", detail, _pointer("page_size")))
    return size


def _status(raw: str | None, errors: list[FieldError]) -> MessageStatus | None:
    if raw is None:
        return None
    try:
        return MessageStatus(raw)
    except ValueError:
        allowed = ", ".join(MessageStatus)
        errors.append(
            FieldError("invalid_status", f"status must be one of {allowed}", _pointer("status"))
        )
        return None


def _timestamp(name: str, raw: str | None, errors: list[FieldError]) -> datetime | None:
    if raw is None:
        return None
    try:
        return _TIMESTAMP.validate_python(raw)
    except PydanticValidationError:
        detail = f"{name} must be an RFC 3339 timestamp, e.g. 2026-12-31T23:59:59Z"
        errors.append(FieldError("invalid_timestamp", detail, _pointer(name)))
        return None


def _reference(raw: str | None, errors: list[FieldError]) -> str | None:
    if raw is None:
        return None
    found = reference_errors(raw, _pointer("reference"))
    errors += found
    return None if found else raw


def _token(raw: str | None, errors: list[FieldError]) -> str | None:
    if raw is None:
        return None
    before_id = _before_id(raw)
    if before_id is None:
        errors.append(
            FieldError(
                "invalid_continuation_token",
                "continuation_token is not one this API gave; start again without it",
                _pointer("continuation_token"),
            )
        )
    return before_id


def message_list_request(service_id: str, params: Mapping[str, str]) -> MessageListRequest:
    """The page of `service_id`'s messages the query parameters `params` ask for.

    Raises ValidationError naming every bad parameter (under /query/...).
    """
    errors: list[FieldError] = []
    page_size = _page_size(params.get("page_size"), errors)
    status = _status(params.get("status"), errors)
    reference = _reference(params.get("reference"), errors)
    created_from = _timestamp("created_from", params.get("created_from"), errors)
    created_to = _timestamp("created_to", params.get("created_to"), errors)
    before_id = _token(params.get("continuation_token"), errors)
    if created_from is not None and created_to is not None and created_to <= created_from:
        errors.append(
            FieldError(
                "empty_period",
                "created_to must be later than created_from",
                _pointer("created_to"),
            )
        )
    if errors:
        raise ValidationError(errors)
    return MessageListRequest(
        filter=ServiceMessageFilter(
            service_id=service_id,
            status=status,
            reference=reference,
            created_from=created_from,
            created_to=created_to,
            before_id=before_id,
        ),
        page_size=page_size,
    )
