"""Events: what a change of a message causes to be told, and to whom. The outbox they wait in.

A change of a message (delivered to the inbox, rejected, failed, received, read) may cause
events: a push to the citizen's devices, a status callback to the sending service. Each event
is written *in the same document write as the change* (the message's `outbox`), so a change
without its events, or an event without its change, can never be stored. A dispatcher
delivers each event and removes it from the outbox; a relay sends again those nobody
delivered in time. An event keeps its id for ever, so a receiver can tell a retry (the same
id) from a new event.

The life of a pending event, all in its message's document:
- `not_before`: not to be delivered before (a retry's backoff, the quiet hours);
- `due_at`: when the relay should send it again if it is still there (the fast path, a
  delayed retry or a claim's holder should have delivered it by then);
- a claim (`claimed_by`, until `claimed_until`): one dispatcher delivers it at a time; a
  holder that dies leaves the claim to expire, and the event is delivered again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.domain.compat import StrEnum
from shared.domain.message_id import new_message_id


class EventType(StrEnum):
    # The citizen's devices are told of a new message in their inbox.
    NEW_MESSAGE_PUSH = "push.new_message"
    # Status callbacks to the sending service.
    PROCESSED = "message.processed"
    REJECTED = "message.rejected"
    FAILED = "message.failed"
    RECEIVED = "message.received"
    READ = "message.read"
    PAID = "message.paid"

    @property
    def is_callback(self) -> bool:
        return self is not EventType.NEW_MESSAGE_PUSH


# The events a service with a callback gets for every message (Basic and Premium)...
EVERY_SERVICE_CALLBACKS = frozenset({EventType.PROCESSED, EventType.REJECTED, EventType.FAILED})
# ...and those that tell what Premium status tells (received, read, paid).
PREMIUM_CALLBACKS = frozenset({EventType.RECEIVED, EventType.READ, EventType.PAID})

# A server's Retry-After is honoured up to this.
MAX_RETRY_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class EventTiming:
    """The clock of the events outbox; each number an app setting (shared.config), these
    defaults in production. Tests shorten them."""

    # How long after an event is due the relay sends it again when nobody delivered it: the
    # fast path (a queue send right after the write) normally delivers it within seconds.
    relay_grace: timedelta = timedelta(seconds=60)
    # How long a dispatcher holds an event it is delivering: well above the longest delivery
    # (a callback: 2 s to connect, 5 s to read, 10 s in all; a Notification Hubs call: 4 s).
    claim_lease: timedelta = timedelta(seconds=60)
    # Retries: the n-th waits about first_retry * 2^(n-1), at most max_retry_wait, jittered.
    first_retry: timedelta = timedelta(seconds=10)
    max_retry_wait: timedelta = timedelta(hours=2)
    # How long a callback is tried before it goes to the dead letters; a new-message push is
    # worth less as it ages: after an hour it is dropped.
    callback_deadline: timedelta = timedelta(hours=24)
    push_deadline: timedelta = timedelta(hours=1)

    def retry_wait(
        self, attempts: int, retry_after: float | None, rng: random.Random | None = None
    ) -> timedelta:
        """How long to wait before attempt `attempts + 1`, after `attempts` failed ones:
        exponential with jitter over its upper half, or the server's Retry-After."""
        if retry_after is not None and retry_after > 0:
            return min(timedelta(seconds=retry_after), MAX_RETRY_AFTER)
        ceiling = min(self.first_retry * (2 ** max(attempts - 1, 0)), self.max_retry_wait)
        share = random.uniform(0.5, 1.0) if rng is None else rng.uniform(0.5, 1.0)  # noqa: S311
        return timedelta(seconds=ceiling.total_seconds() * share)


DEFAULT_TIMING = EventTiming()


class PendingEvent(BaseModel):
    """An event waiting in its message's outbox to be delivered."""

    model_config = ConfigDict(frozen=True)

    id: str
    type: EventType
    occurred_at: datetime
    # Why a message was rejected or failed.
    reason: str | None = None
    not_before: datetime
    due_at: datetime
    attempts: int = 0
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    # Why the last attempt failed (never a response body: it is the receiver's).
    last_error: str | None = None
    # When it was replayed from the dead letters: its deadline counts from then.
    replayed_at: datetime | None = None

    def deadline(self, timing: EventTiming = DEFAULT_TIMING) -> datetime:
        """When it is given up on, if not delivered by then."""
        start = self.replayed_at or self.occurred_at
        span = timing.callback_deadline if self.type.is_callback else timing.push_deadline
        return start + span

    def is_claimed(self, now: datetime) -> bool:
        """Whether a dispatcher holds it (its lease not expired)."""
        return self.claimed_until is not None and self.claimed_until > now

    def claimed_by_other(self, holder: str, now: datetime) -> bool:
        return self.is_claimed(now) and self.claimed_by != holder

    def claimed(
        self, holder: str, now: datetime, timing: EventTiming = DEFAULT_TIMING
    ) -> PendingEvent:
        until = now + timing.claim_lease
        return self.model_copy(
            update={
                "claimed_by": holder,
                "claimed_until": until,
                "due_at": until + timing.relay_grace,
            }
        )

    def retried_after(
        self, wait: timedelta, why: str, now: datetime, timing: EventTiming = DEFAULT_TIMING
    ) -> PendingEvent:
        """This event after a failed attempt, to be tried again `wait` from `now`."""
        not_before = now + wait
        return self.model_copy(
            update={
                "attempts": self.attempts + 1,
                "not_before": not_before,
                "due_at": not_before + timing.relay_grace,
                "claimed_by": None,
                "claimed_until": None,
                "last_error": why,
            }
        )

    def relayed(self, now: datetime, timing: EventTiming = DEFAULT_TIMING) -> PendingEvent:
        """This event just sent again by the relay: not again before the grace is over."""
        return self.model_copy(update={"due_at": now + timing.relay_grace})


def new_event(
    event_type: EventType,
    now: datetime,
    *,
    reason: str | None = None,
    not_before: datetime | None = None,
    timing: EventTiming = DEFAULT_TIMING,
) -> PendingEvent:
    """A new event of `event_type`, caused by a change at `now`."""
    start = max(now, not_before) if not_before is not None else now
    return PendingEvent(
        id=new_message_id(now),
        type=event_type,
        occurred_at=now,
        reason=reason,
        not_before=start,
        due_at=start + timing.relay_grace,
    )


class MalformedEventRefError(ValueError):
    """A queue message that is not an event reference; retrying cannot fix it."""


class EventRef(BaseModel):
    """What travels on the events queue: which event of which message (a claim check)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    message_id: str
    fiscal_code: str
    event_id: str

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes) -> EventRef:
        """Raises MalformedEventRefError when `raw` is not an event reference."""
        try:
            return cls.model_validate_json(raw)
        except ValidationError:
            raise MalformedEventRefError("the queue message is not an event reference") from None


class DeadEvent(BaseModel):
    """A callback event given up on (its deadline passed, or its receiver refused it for
    good), kept for the operator to look at and replay. Holds no personal data: the message
    is found again by its id."""

    model_config = ConfigDict(frozen=True)

    id: str
    service_id: str
    message_id: str
    type: EventType
    occurred_at: datetime
    reason: str | None = None
    attempts: int
    last_error: str | None = None
    dead_at: datetime

    @classmethod
    def of(
        cls, event: PendingEvent, *, service_id: str, message_id: str, now: datetime
    ) -> DeadEvent:
        return cls(
            id=event.id,
            service_id=service_id,
            message_id=message_id,
            type=event.type,
            occurred_at=event.occurred_at,
            reason=event.reason,
            attempts=event.attempts,
            last_error=event.last_error,
            dead_at=now,
        )

    def replayed(self, now: datetime, timing: EventTiming = DEFAULT_TIMING) -> PendingEvent:
        """The event back in its message's outbox, due at once, its deadline from `now`."""
        return PendingEvent(
            id=self.id,
            type=self.type,
            occurred_at=self.occurred_at,
            reason=self.reason,
            not_before=now,
            due_at=now + timing.relay_grace,
            replayed_at=now,
        )
