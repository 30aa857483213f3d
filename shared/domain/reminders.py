"""When a Premium message deserves a reminder push, as IO publishes the rules.

- Unread: 3 days after the message was processed, then every 3 days while it is unread,
  at most 3 reminders.
- Payment: while the notice is unpaid and its due date is within the next 13 days, every
  3 days, at most 4 (13, 10, 7 and 4 days before the due date), plus "due tomorrow" on the
  day before the due date. None once it is paid or the due date has passed.

Each reminder is a slot (kind, ordinal) with the time it falls due and the time it stops
making sense (the next slot of its kind, or the due date): a slot missed while the timer
was down, in quiet hours or held back by a cap is sent late, unless a later slot of its
kind has superseded it. Slots before the message reached the inbox are never sent.

The same quiet hours may hold back the push about a new message: only when the setting
NEW_MESSAGE_PUSH_QUIET_HOURS says DEFER; by default (SEND) it goes at once, as IO's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.domain.compat import UTC, StrEnum
from shared.domain.message import Message
from shared.domain.push import ReminderKind

DEFAULT_TIMEZONE = ZoneInfo("Europe/Rome")
# Which slot goes out first when several are due at once: the most urgent.
_URGENCY = {ReminderKind.DUE_TOMORROW: 0, ReminderKind.PAYMENT: 1, ReminderKind.UNREAD: 2}


class NewMessageQuietHours(StrEnum):
    """What a new-message push does in quiet hours: go at once (IO's way), or wait."""

    SEND = "SEND"
    DEFER = "DEFER"


@dataclass(frozen=True)
class ReminderPolicy:
    """The numbers of the rules; each is an app setting with IO's value as its default."""

    unread_after: timedelta = timedelta(days=3)
    unread_every: timedelta = timedelta(days=3)
    unread_max: int = 3
    payment_window: timedelta = timedelta(days=13)
    payment_every: timedelta = timedelta(days=3)
    payment_max: int = 4
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    timezone: ZoneInfo = DEFAULT_TIMEZONE
    daily_cap: int = 3
    # Not a reminder's rule: whether quiet hours hold back new-message pushes too.
    new_message_quiet_hours: NewMessageQuietHours = NewMessageQuietHours.SEND

    def is_quiet(self, now: datetime) -> bool:
        """Whether `now` falls in the quiet hours, on the citizens' clock."""
        local = now.astimezone(self.timezone).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end

    def quiet_ends(self, now: datetime) -> datetime:
        """The first moment after `now` when pushes are allowed again (in UTC)."""
        local = now.astimezone(self.timezone)
        end = datetime.combine(local.date(), self.quiet_end, tzinfo=self.timezone)
        if end <= local:
            end = datetime.combine(
                local.date() + timedelta(days=1), self.quiet_end, tzinfo=self.timezone
            )
        return end.astimezone(UTC)

    def local_day(self, now: datetime) -> str:
        """The citizens' calendar day of `now`, for the daily cap (YYYY-MM-DD)."""
        return now.astimezone(self.timezone).date().isoformat()

    def next_local_day(self, now: datetime) -> datetime:
        """Midnight starting the citizens' next day, in UTC."""
        local = now.astimezone(self.timezone).date() + timedelta(days=1)
        return datetime.combine(local, time(0, 0), tzinfo=self.timezone).astimezone(UTC)


def new_message_push_not_before(now: datetime, policy: ReminderPolicy) -> datetime:
    """When the push about a message that reached the inbox at `now` may go out: `now`,
    unless the policy defers such pushes (DEFER) and `now` falls in the quiet hours; then
    the moment they end (in UTC)."""
    if policy.new_message_quiet_hours is NewMessageQuietHours.DEFER and policy.is_quiet(now):
        return policy.quiet_ends(now)
    return now


@dataclass(frozen=True)
class ReminderSlot:
    """One reminder of a message: due from `at`, pointless from `until` (None: never)."""

    kind: ReminderKind
    ordinal: int
    at: datetime
    until: datetime | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ordinal}"

    def is_open(self, now: datetime) -> bool:
        return self.at <= now and (self.until is None or now < self.until)


def _unread_slots(message: Message, policy: ReminderPolicy) -> list[ReminderSlot]:
    if message.processed_at is None or policy.unread_max < 1:
        return []
    times = [
        message.processed_at + policy.unread_after + policy.unread_every * index
        for index in range(policy.unread_max)
    ]
    ends: list[datetime | None] = [*times[1:], None]
    return [
        ReminderSlot(ReminderKind.UNREAD, index + 1, at, until)
        for index, (at, until) in enumerate(zip(times, ends, strict=True))
    ]


def _due_tomorrow(due: datetime, policy: ReminderPolicy) -> tuple[datetime, datetime]:
    """From the end of quiet hours on the day before the due date to that day's end."""
    due_day = due.astimezone(policy.timezone).date()
    start = datetime.combine(due_day - timedelta(days=1), policy.quiet_end, tzinfo=policy.timezone)
    end = datetime.combine(due_day, time(0, 0), tzinfo=policy.timezone)
    return start.astimezone(UTC), min(end.astimezone(UTC), due)


def _payment_slots(message: Message, policy: ReminderPolicy) -> list[ReminderSlot]:
    due = message.content.due_date
    if message.content.payment_data is None or due is None:
        return []
    tomorrow_at, tomorrow_until = _due_tomorrow(due, policy)
    start = due - policy.payment_window
    times = [start + policy.payment_every * index for index in range(policy.payment_max)]
    times = [at for at in times if at < tomorrow_at]
    ends = [*times[1:], tomorrow_at]
    slots = [
        ReminderSlot(ReminderKind.PAYMENT, index + 1, at, min(until, due))
        for index, (at, until) in enumerate(zip(times, ends, strict=True))
    ]
    slots.append(ReminderSlot(ReminderKind.DUE_TOMORROW, 1, tomorrow_at, tomorrow_until))
    return slots


def reminder_slots(message: Message, *, paid: bool, policy: ReminderPolicy) -> list[ReminderSlot]:
    """The slots that still apply to `message`: unread ones while it is unread, payment ones
    while its notice is unpaid; never one falling due before it reached the inbox."""
    if message.processed_at is None:
        return []
    slots = [] if message.is_read else _unread_slots(message, policy)
    if not paid:
        slots += _payment_slots(message, policy)
    return [slot for slot in slots if slot.at > message.processed_at]


def open_slots(
    message: Message, *, done: frozenset[str], paid: bool, now: datetime, policy: ReminderPolicy
) -> list[ReminderSlot]:
    """The slots of `message` due at `now` and not yet done, most urgent first: the first
    is the one to send; one push covers them all (they all ask to open the message)."""
    found = [
        slot
        for slot in reminder_slots(message, paid=paid, policy=policy)
        if slot.is_open(now) and slot.key not in done
    ]
    return sorted(found, key=lambda slot: (_URGENCY[slot.kind], -slot.ordinal))


def next_check(
    message: Message, *, done: frozenset[str], paid: bool, now: datetime, policy: ReminderPolicy
) -> datetime | None:
    """When a slot of `message` not yet done next falls due after `now`; None when none
    ever will (the message needs no more looking at)."""
    upcoming = [
        slot.at
        for slot in reminder_slots(message, paid=paid, policy=policy)
        if slot.key not in done and slot.at > now
    ]
    return min(upcoming, default=None)
