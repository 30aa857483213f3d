"""Which events a change of a message causes: the rules, in one place.

- A message delivered to the inbox pushes to the citizen's devices when they want pushes of
  new messages (a citizen who blocked the service never gets its messages, so no push).
  A test message (a TEST key's, to a sandbox fiscal code) reaches nobody: it never pushes,
  and tells only its own service, by its callbacks, as a live message would.
- A service with a callback hears of every message's processing, rejection and failure;
  a Premium service, of its ADVANCED messages' receipt and reading (only when the citizen
  shares reading), as the status call would tell it.

The events go into the changed message's outbox, stored by the same write as the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shared.domain.events import (
    DEFAULT_TIMING,
    EVERY_SERVICE_CALLBACKS,
    EventTiming,
    EventType,
    PendingEvent,
    new_event,
)
from shared.domain.message import Message, MessageStatus
from shared.domain.message_tracking import is_tracked
from shared.domain.notice_watch import NoticeWatch
from shared.domain.payment import Payment, payment_id
from shared.domain.profile import Profile
from shared.domain.service import Service
from shared.services.ports import (
    EventQueue,
    NoticeWatches,
    PaymentRepository,
    ProfileRepository,
)
from shared.services.service_directory import CachedServiceDirectory

if TYPE_CHECKING:
    from shared.services.dispatch_event import DispatchPorts

# When a new-message push may be sent, for a message delivered at a time (the quiet hours).
PushTiming = Callable[[datetime], datetime]

_DECISION_EVENTS = {
    MessageStatus.PROCESSED: EventType.PROCESSED,
    MessageStatus.REJECTED: EventType.REJECTED,
    MessageStatus.FAILED: EventType.FAILED,
}


def wants_callback(service: Service | None, event_type: EventType, message: Message) -> bool:
    """Whether `service` is to be called back with an event of `event_type` about
    `message` (before the citizen's own choices)."""
    if service is None or service.callback is None:
        return False
    if event_type in EVERY_SERVICE_CALLBACKS:
        return True
    return is_tracked(message, service)


def decision_events(
    decided: Message,
    *,
    service: Service | None,
    profile: Profile | None,
    now: datetime,
    push_not_before: PushTiming,
    timing: EventTiming = DEFAULT_TIMING,
) -> tuple[PendingEvent, ...]:
    """The events of a message just decided (PROCESSED, REJECTED or FAILED) at `now`."""
    events: list[PendingEvent] = []
    if (
        decided.status is MessageStatus.PROCESSED
        and not decided.test
        and profile is not None
        and profile.wants_new_message_push(decided.sender_service_id)
    ):
        events.append(
            new_event(
                EventType.NEW_MESSAGE_PUSH, now, not_before=push_not_before(now), timing=timing
            )
        )
    event_type = _DECISION_EVENTS.get(decided.status)
    if event_type is not None and wants_callback(service, event_type, decided):
        reason = decided.rejection_reason or decided.failure_reason
        why = None if reason is None else str(reason)
        events.append(new_event(event_type, now, reason=why, timing=timing))
    return tuple(events)


def mark_events(
    before: Message,
    marked: Message,
    *,
    service: Service | None,
    shares_reading: Callable[[], bool],
    now: datetime,
    timing: EventTiming = DEFAULT_TIMING,
) -> tuple[PendingEvent, ...]:
    """The events of `before` becoming `marked` (received, read) at `now`;
    `shares_reading` is asked only when the service would be told."""
    changes = []
    if before.received_at is None and marked.received_at is not None:
        changes.append(EventType.RECEIVED)
    if before.read_at is None and marked.read_at is not None:
        changes.append(EventType.READ)
    wanted = [change for change in changes if wants_callback(service, change, marked)]
    if not wanted or not shares_reading():
        return ()
    return tuple(new_event(change, now, timing=timing) for change in wanted)


@dataclass(frozen=True)
class EventOutbox:
    """What a use case that changes messages needs to add their events: the service
    (whether it has a callback, its tier), when new-message pushes may go, and the queue of
    the fast path."""

    directory: CachedServiceDirectory
    queue: EventQueue
    push_not_before: PushTiming
    timing: EventTiming = DEFAULT_TIMING
    # For `message.paid`: the notices' payments and who watches them (None: no paid events).
    payments: PaymentRepository | None = None
    watches: NoticeWatches | None = None
    # The decider's own dispatcher: a new-message push due at the decision is claimed by the
    # decision's write and pushed right after it, with no hop on the events queue (None: every
    # event goes through the queue).
    dispatcher: DispatchPorts | None = None

    def claiming_due_pushes(
        self, events: tuple[PendingEvent, ...], now: datetime
    ) -> tuple[PendingEvent, ...]:
        """`events`, the new-message push among them claimed by the dispatcher when it is
        due by `now` (one held back by the quiet hours waits on the queue)."""
        if self.dispatcher is None:
            return events
        return tuple(
            event.claimed(self.dispatcher.holder, now, self.dispatcher.timing)
            if event.type is EventType.NEW_MESSAGE_PUSH and event.not_before <= now
            else event
            for event in events
        )


def with_failure_events(failed: Message, *, outbox: EventOutbox | None, now: datetime) -> Message:
    """`failed` (just marked FAILED) with its callback event, when its service wants it."""
    if outbox is None:
        return failed
    service = outbox.directory.service(failed.sender_service_id)
    events = decision_events(
        failed,
        service=service,
        profile=None,
        now=now,
        push_not_before=outbox.push_not_before,
        timing=outbox.timing,
    )
    return failed.with_events(*events)


def marking_with_events(
    mark: Callable[[Message], Message],
    *,
    outbox: EventOutbox | None,
    profiles: ProfileRepository | None,
    now: datetime,
) -> Callable[[Message], Message]:
    """`mark` (received, read), adding to the marked message the events the mark causes
    when there is an outbox to put them in (and the profiles that say who shares reading)."""
    if outbox is None or profiles is None:
        return mark

    def shares_reading(fiscal_code: str) -> bool:
        profile = profiles.get(fiscal_code)
        return profile is not None and profile.share_read_status

    def marked_with_events(message: Message) -> Message:
        marked = mark(message)
        if marked is message:
            return message
        events = mark_events(
            message,
            marked,
            service=outbox.directory.service(message.sender_service_id),
            shares_reading=lambda: shares_reading(message.fiscal_code),
            now=now,
            timing=outbox.timing,
        )
        return marked.with_events(*events)

    return marked_with_events


def watched_notice(message: Message, service: Service | None) -> tuple[str, str] | None:
    """The notice (payee, notice number) whose payment `service` is to hear of through
    `message`, or None: only a Premium sender's ADVANCED message, with a callback, of a
    notice whose payments the sender may know (its own organization's, or delegated)."""
    data = message.content.payment_data
    if data is None or data.payee is None or service is None or message.test:
        return None  # a test message's notice is nobody's to pay
    if not wants_callback(service, EventType.PAID, message):
        return None
    if not service.may_know_payments_to(data.payee.fiscal_code):
        return None
    return data.payee.fiscal_code, data.notice_number


def with_paid_event(
    message: Message, payment: Payment | None, *, now: datetime, timing: EventTiming
) -> Message:
    """`message` with a `message.paid` event for `payment`, unless it is not in force or the
    sender was told of this very payment already (a reversed then new payment is news)."""
    if payment is None or not payment.is_in_force or message.paid_notified_at == payment.paid_at:
        return message
    told = message.model_copy(update={"paid_notified_at": payment.paid_at})
    return told.with_events(new_event(EventType.PAID, now, timing=timing))


def watching_payment(
    decided: Message, service: Service | None, *, outbox: EventOutbox, now: datetime
) -> Message:
    """For a message decided PROCESSED whose sender is to hear of its notice's payment: the
    watch (written before the decision, so a payment recorded from now on finds it), then,
    when the notice is paid already, the `message.paid` event, stored with the decision."""
    notice = watched_notice(decided, service) if decided.status is MessageStatus.PROCESSED else None
    if notice is None or outbox.payments is None or outbox.watches is None:
        return decided
    payee, notice_number = notice
    outbox.watches.watch(
        NoticeWatch(
            id=decided.id,
            payment_id=payment_id(payee, notice_number),
            fiscal_code=decided.fiscal_code,
            service_id=decided.sender_service_id,
        )
    )
    payment = outbox.payments.get(payee, notice_number)
    return with_paid_event(decided, payment, now=now, timing=outbox.timing)
