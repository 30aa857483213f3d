"""The reminder schedule: for each Premium message that may still need a reminder, one
entry saying when to look at it next. Entries sit in hourly buckets, read by point reads,
so a reminder run reads what is due and never the messages that are not.

A slot claim makes each reminder exactly-once across overlapping or retried runs: the run
that creates it sends the push; a push that failed for a reason worth retrying leaves the
claim open for a later run, a bounded number of times.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

HOUR = timedelta(hours=1)
# How many times a reminder whose push failed (retryably) is tried in all.
MAX_PUSH_ATTEMPTS = 3


class ScheduleEntry(BaseModel):
    """Look at message `message_id` (in `fiscal_code`'s inbox) again at `at`; `done` holds
    the keys of its slots already settled (sent, covered, skipped or given up)."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    fiscal_code: str
    at: datetime
    done: tuple[str, ...] = ()

    def moved(self, at: datetime, done: frozenset[str]) -> ScheduleEntry:
        return self.model_copy(update={"at": at, "done": tuple(sorted(done))})


def bucket_hour(at: datetime) -> datetime:
    """The start of the UTC hour holding `at`: the bucket of an entry due then."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def bucket_id(hour: datetime, shard: int) -> str:
    """The document holding one shard of an hour's entries."""
    return f"{bucket_hour(hour):%Y%m%dT%H}-{shard:02d}"


def shard_of(message_id: str, shards: int) -> int:
    """Which shard of its hour a message's entry goes to (spreads the writes)."""
    return zlib.crc32(message_id.encode()) % shards


class ClaimState(StrEnum):
    CLAIMED = "CLAIMED"  # a run is sending it
    SENT = "SENT"
    RETRY = "RETRY"  # the push failed, worth trying again: a later run may take it
    GAVE_UP = "GAVE_UP"  # failed for good, or too many times


class SlotClaim(BaseModel):
    """The claim of one reminder slot: created before its push is sent."""

    model_config = ConfigDict(frozen=True)

    id: str
    state: ClaimState
    attempts: int
    claimed_at: datetime
    version: str | None = Field(default=None, exclude=True)


def claim_id(message_id: str, slot_key: str) -> str:
    return f"{message_id}:{slot_key}"
