"""The shipped domain rules behave on every Python the sender runs on as on 3.11:
what they take from 3.11 (shared.domain.compat) is the same on 3.10."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import auto

import pytest
from pydantic import BaseModel, ValidationError

from shared.domain.compat import UTC, StrEnum
from shared.domain.message import Timestamp


class _At(BaseModel):
    at: Timestamp


class _Colour(StrEnum):
    RED = "RED"
    dark_blue = auto()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31T23:59:59Z", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2026-12-31t23:59:59Z", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2026-12-31T23:59:59", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2026-12-31T23:59:59.5Z", datetime(2026, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)),
        ("2026-12-31T23:59:59.12Z", datetime(2026, 12, 31, 23, 59, 59, 120000, tzinfo=UTC)),
        ("2026-12-31T23:59:59.1234", datetime(2026, 12, 31, 23, 59, 59, 123400, tzinfo=UTC)),
        ("2026-12-31T23:59:59.123456Z", datetime(2026, 12, 31, 23, 59, 59, 123456, tzinfo=UTC)),
        ("2027-01-01T01:29:59.1+01:30", datetime(2026, 12, 31, 23, 59, 59, 100000, tzinfo=UTC)),
        ("2026-12-31T18:59:59-05:00", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_rfc3339_timestamps_read_the_same(text: str, expected: datetime) -> None:
    at = _At.model_validate({"at": text}).at

    assert at == expected
    assert at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-31T23:59:59z",  # 3.11's datetime.fromisoformat takes "Z" only
        "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z",
        "2026-12-31T23:59:59+24:00",
        "2026-12-31T23:59:59.1234567Z",
        "2026-12-31",
    ],
)
def test_what_3_11_refuses_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="must be an RFC 3339 timestamp"):
        _At.model_validate({"at": text})


def test_utc_is_the_utc_timezone() -> None:
    assert UTC.utcoffset(None) == timedelta(0)
    assert repr(UTC) == "datetime.timezone.utc"  # the singleton, as datetime.UTC is


def test_str_enum_members_are_their_values() -> None:
    assert _Colour("RED") is _Colour.RED
    assert _Colour.RED == "RED"
    assert isinstance(_Colour.RED, str)
    assert (str(_Colour.RED), f"{_Colour.RED}", f"{_Colour.RED:>4}") == ("RED", "RED", " RED")
    assert _Colour.dark_blue.value == "dark_blue"
    assert repr(_Colour.RED) == "<_Colour.RED: 'RED'>"
    with pytest.raises(ValueError, match="is not a valid _Colour"):
        _Colour("BLUE")
