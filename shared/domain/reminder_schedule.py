"""The reminder schedule: for each Premium message that may still need a reminder, one
entry saying when to look at it next. Entries sit in buckets, one per (UTC hour, shard),
read by point reads, so a reminder run reads what is due and never the messages that are
not.

A run fans out: the timer only finds the buckets of hours begun that may still hold entries
and queues one work item (a ReminderPartition) for each; a queue-triggered function sends a
partition's reminders, so partitions are worked side by side, on as many instances as the
queue's length calls for. A bucket queued is leased for PARTITION_LEASE, so a slow
partition is not queued again by every run meanwhile; its worker lifts the lease when done,
and a worker that died leaves its work item to come back from the queue, or the lease to
run out, so the partition is picked up again either way. A bucket of an hour gone by that a
worker left empty is marked drained, and no run looks at it again unless an entry is added
to it (which opens it again).

A slot claim makes each reminder exactly-once across overlapping or retried runs: the run
that creates it sends the push; a push that failed for a reason worth retrying leaves the
claim open for a later run, a bounded number of times. A claim still CLAIMED after
CLAIM_LEASE belongs to a run that died (or lost its storage) between claiming and settling:
a later run takes it over, so such a reminder goes out late rather than never. The price:
a run that died after its push and before settling it has the push sent again, with the
same collapse key (the message id), which replaces the first on the citizen's device.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.domain.compat import UTC, StrEnum

HOUR = timedelta(hours=1)
# How many times a reminder whose push failed (retryably) is tried in all.
MAX_PUSH_ATTEMPTS = 3
# How long a claim stays its run's alone. A run lives at most the host's functionTimeout
# (5 minutes, host.json): a claim still CLAIMED after this long was left by a run that died.
CLAIM_LEASE = timedelta(minutes=15)


class ScheduleEntry(BaseModel):
    """Look at message `message_id` (in `fiscal_code`'s inbox) again at `at`; `done` holds
    the keys of its slots already settled (sent, covered, skipped or given up)."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    fiscal_code: str
    at: datetime
    done: tuple[str, ...] = ()
    # The bucket the entry was read from (not stored): moving it out patches that bucket,
    # whatever the shard count is now.
    bucket: str | None = Field(default=None, exclude=True)

    def moved(self, at: datetime, done: frozenset[str]) -> ScheduleEntry:
        return self.model_copy(update={"at": at, "done": tuple(sorted(done)), "bucket": None})


def bucket_hour(at: datetime) -> datetime:
    """The start of the UTC hour holding `at`: the bucket of an entry due then."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def bucket_id(hour: datetime, shard: int) -> str:
    """The document holding one shard of an hour's entries."""
    return f"{bucket_hour(hour):%Y%m%dT%H}-{shard:02d}"


def shard_of(message_id: str, shards: int) -> int:
    """Which shard of its hour a message's entry goes to (spreads the writes)."""
    return zlib.crc32(message_id.encode()) % shards


# How long a bucket queued as a work item is not queued again. Longer than a partition's
# worker lives (the host's functionTimeout, 5 minutes), so a partition still being worked
# is not queued twice; short enough that one whose worker died and whose work item was
# lost is picked up again within minutes.
PARTITION_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class OpenBucket:
    """A bucket of an hour begun that may still hold entries; `queued_until` is the end of
    its queue lease (None: not queued)."""

    bucket: str
    hour: datetime
    queued_until: datetime | None = None

    def may_queue(self, now: datetime) -> bool:
        return self.queued_until is None or self.queued_until <= now


class ReminderPartition(BaseModel):
    """The work item of one bucket: send the reminders due in it. `run_at` names the timer
    run that queued it: a citizen gets at most one reminder per run, across partitions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str = Field(min_length=1, max_length=64, pattern=r"^[0-9]{8}T[0-9]{2}-[0-9]{2,4}$")
    hour: AwareDatetime
    run_at: AwareDatetime

    def hour_over(self, now: datetime) -> bool:
        """Whether no entry can fall due in this bucket any more (its hour has ended)."""
        return self.hour + HOUR <= now


class ClaimState(StrEnum):
    CLAIMED = "CLAIMED"  # a run is sending it
    SENT = "SENT"
    RETRY = "RETRY"  # the push failed, worth trying again: a later run may take it
    GAVE_UP = "GAVE_UP"  # failed for good, or too many times


class SlotClaim(BaseModel):
    """The claim of one reminder slot: created before its push is sent. `holder` is a
    random token of the call that made it, so that a claimer whose reply was lost can tell
    its own claim from another run's when it reads the claim back."""

    model_config = ConfigDict(frozen=True)

    id: str
    state: ClaimState
    attempts: int
    claimed_at: datetime
    holder: str = ""
    version: str | None = Field(default=None, exclude=True)


@dataclass(frozen=True)
class SlotBusy:
    """Another run holds the slot's claim and has not settled it; if it never does, the
    claim may be taken over from `until`."""

    until: datetime


def may_take_over(current: SlotClaim, now: datetime) -> bool:
    """Whether a run at `now` may take over the stored claim `current`: one left to RETRY,
    or one whose run is gone (CLAIMED for CLAIM_LEASE), while attempts are left."""
    if current.attempts >= MAX_PUSH_ATTEMPTS:
        return False
    if current.state is ClaimState.RETRY:
        return True
    return current.state is ClaimState.CLAIMED and now >= current.claimed_at + CLAIM_LEASE


def busy(current: SlotClaim, now: datetime) -> SlotBusy | None:
    """For a stored claim a run at `now` may not take over: SlotBusy while the run that holds
    it may still settle it (CLAIMED, within its lease); None when it is settled for good
    (sent, given up, or its run gone with no attempt left)."""
    lease_ends = current.claimed_at + CLAIM_LEASE
    if current.state is ClaimState.CLAIMED and now < lease_ends:
        return SlotBusy(until=lease_ends)
    return None


def claim_id(message_id: str, slot_key: str) -> str:
    return f"{message_id}:{slot_key}"
