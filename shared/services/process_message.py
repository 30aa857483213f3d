"""Deliver an accepted message to the recipient's inbox, or reject it; give up on it."""

from __future__ import annotations

import logging

from shared.domain.errors import (
    ConcurrentUpdateError,
    OutcomeUnknownError,
    StorageUnavailableError,
)
from shared.domain.events import EventType
from shared.domain.message import FailureReason, Message, MessageStatus, RejectionReason
from shared.domain.message_ref import MessageRef
from shared.domain.profile import Profile
from shared.domain.sandbox import sandbox_rejection
from shared.observability.log_context import bind
from shared.observability.metrics import app_metrics
from shared.services.announce_events import announce_new_events, announce_pending
from shared.services.dispatch_event import push_claimed
from shared.services.message_attachments import discard_attachments
from shared.services.message_events import (
    EventOutbox,
    decision_events,
    watching_payment,
    with_failure_events,
)
from shared.services.ports import (
    AttachmentStore,
    Clock,
    MessageRepository,
    ProfileRepository,
    ServiceMessageIndex,
)
from shared.services.send_reminders import ReminderPlanner
from shared.services.service_message_index import index_if_possible, index_or_raise

logger = logging.getLogger(__name__)

# Nobody will read the attachments of these messages: they are deleted.
_WITHOUT_ATTACHMENTS = (MessageStatus.REJECTED, MessageStatus.FAILED)


def _decide(
    message: Message,
    *,
    profile: Profile | None,
    clock: Clock,
    retention_seconds: int,
    outbox: EventOutbox | None,
) -> Message:
    """The message decided, with the events the decision causes in its outbox (a push due
    now claimed by the outbox's dispatcher). A test message's sandbox fiscal code decides
    it, no citizen's profile."""
    reason: RejectionReason | None
    if message.test:
        reason = sandbox_rejection(message.fiscal_code)
        retention_seconds = message.retention_seconds or retention_seconds
    elif profile is None:
        reason = RejectionReason.USER_NOT_FOUND
    else:
        reason = profile.refusal_reason(message.sender_service_id)
    now = clock.now()
    if reason is not None:
        decided = message.rejected(reason, now, retention_seconds=retention_seconds)
    else:
        decided = message.processed(now)
    if outbox is None:
        return decided
    service = outbox.directory.service(message.sender_service_id)
    events = decision_events(
        decided,
        service=service,
        profile=profile,
        now=now,
        push_not_before=outbox.push_not_before,
        timing=outbox.timing,
    )
    events = outbox.claiming_due_pushes(events, now)
    return watching_payment(decided.with_events(*events), service, outbox=outbox, now=now)


def _push_now(stored: Message, profile: Profile | None, *, outbox: EventOutbox | None) -> Message:
    """Push the new-message push the decision claimed, if any: the message as stored after
    (the caller indexes it, the push noted)."""
    ports = None if outbox is None else outbox.dispatcher
    if ports is None:
        return stored
    now = ports.clock.now()
    for event in stored.outbox:
        mine = event.claimed_by == ports.holder and event.is_claimed(now)
        if event.type is EventType.NEW_MESSAGE_PUSH and mine:
            return push_claimed(stored, event, profile=profile, ports=ports)
    return stored


def _settled_by_someone_else(ref: MessageRef, messages: MessageRepository) -> MessageStatus | None:
    """The terminal status another delivery wrote, or None if the message is undecided."""
    current = messages.get(ref.fiscal_code, ref.message_id)
    if current is None or not current.status.is_terminal:
        return None
    return current.status


def _outcome(
    message: Message,
    *,
    attachments: AttachmentStore,
    reminders: ReminderPlanner | None,
    index: ServiceMessageIndex | None,
) -> MessageStatus:
    """The final status of a decided message: its sender's index entry says it, a PROCESSED
    one goes on the reminder schedule (Premium), a REJECTED or FAILED one loses its
    attachments.

    Raises StorageUnavailableError when any could not be done, so that the queue
    retries (the retry finds the message decided and does it again).
    """
    index_or_raise(message, index)
    deletes = message.status in _WITHOUT_ATTACHMENTS and bool(message.attachments)
    if deletes and not discard_attachments(message.id, attachments=attachments):
        raise StorageUnavailableError("attachments could not be deleted")
    if message.status is MessageStatus.PROCESSED and reminders is not None:
        reminders.plan(message)
    return message.status


def process_message(
    ref: MessageRef,
    *,
    messages: MessageRepository,
    profiles: ProfileRepository,
    attachments: AttachmentStore,
    clock: Clock,
    rejected_retention_seconds: int,
    reminders: ReminderPlanner | None = None,
    outbox: EventOutbox | None = None,
    index: ServiceMessageIndex | None = None,
) -> MessageStatus | None:
    """Move the referenced message from ACCEPTED to PROCESSED or REJECTED, exactly once;
    a PROCESSED Premium message goes on the reminder schedule (with `reminders`), the
    attachments of a REJECTED one are deleted. With `outbox`, the events the decision
    causes (a push, a callback) are stored with it and announced to their dispatcher.

    Returns the message's final status, or None when no such message is stored (nothing
    to retry). A redelivered reference to a message already decided changes nothing.
    Raises StorageUnavailableError (and ConcurrentUpdateError when a concurrent change
    left it undecided) so that the queue retries later.
    """
    message = messages.get(ref.fiscal_code, ref.message_id)
    if message is None:
        logger.warning("message %s: no stored record, dropping its queue message", ref.message_id)
        return None
    bind(service_id=message.sender_service_id)
    if message.test:
        reminders = None  # a test message reaches nobody: nobody is reminded of it
    if message.status.is_terminal:
        logger.info("message %s already %s, nothing to do", message.id, message.status)
        if outbox is not None:
            # A decision whose reply was lost left its events unannounced: no need to
            # wait for the relay (a second reference to an event is harmless).
            announce_pending(message, queue=outbox.queue, now=clock.now())
        return _outcome(message, attachments=attachments, reminders=reminders, index=index)
    profile = None if message.test else profiles.get(message.fiscal_code)
    decided = _decide(
        message,
        profile=profile,
        clock=clock,
        retention_seconds=rejected_retention_seconds,
        outbox=outbox,
    )
    if decided.status is MessageStatus.PROCESSED and reminders is not None:
        # On the schedule before the decision is stored, not after: a stored decision whose
        # reply was lost, or whose process died, on the queue's last attempt is never
        # processed again, and its message would never be reminded. An entry for a message
        # that ends otherwise is dropped by the first reminder run that reads it.
        reminders.plan(decided)
    try:
        stored = messages.replace(decided)
    except ConcurrentUpdateError:
        # Another delivery of the same reference got there first; its decision stands.
        status = _settled_by_someone_else(ref, messages)
        if status is None:
            raise
        return status
    logger.info("message %s %s", message.id, decided.status)
    if outbox is not None:
        announce_new_events(message, stored, queue=outbox.queue, now=clock.now())
        stored = _push_now(stored, profile, outbox=outbox)
    _count_decision(decided)
    # Planned above; the entry is written from what was stored.
    return _outcome(stored, attachments=attachments, reminders=None, index=index)


def _count_decision(decided: Message) -> None:
    if decided.test:
        return  # test messages count nowhere
    if decided.status is MessageStatus.PROCESSED:
        app_metrics().processed(decided.sender_service_id)
    elif decided.status is MessageStatus.REJECTED:
        reason = decided.rejection_reason or "UNKNOWN"
        app_metrics().rejected(decided.sender_service_id, reason)


def fail_message(
    ref: MessageRef,
    reason: FailureReason,
    *,
    messages: MessageRepository,
    attachments: AttachmentStore,
    clock: Clock,
    outbox: EventOutbox | None = None,
    index: ServiceMessageIndex | None = None,
) -> MessageStatus | None:
    """Mark the referenced message FAILED unless it was decided meanwhile, and delete its
    attachments (a redrive cannot bring them back: the sender sends it again). With
    `outbox`, the failure's callback is stored with it.

    Used on the queue's last attempt, before the host moves the reference to the poison
    queue. Returns the final status, or None when no such message is stored.
    Raises StorageUnavailableError.
    """
    message = messages.get(ref.fiscal_code, ref.message_id)
    if message is None:
        return None
    if message.status.is_terminal:
        # Decided, but the decision's index write may be what failed every attempt.
        index_if_possible(message, index)
        return message.status
    failed = with_failure_events(
        message.failed(reason, clock.now()), outbox=outbox, now=clock.now()
    )
    try:
        stored: Message | None = messages.replace(failed)
    except ConcurrentUpdateError:
        return _settled_by_someone_else(ref, messages) or MessageStatus.ACCEPTED
    except OutcomeUnknownError:
        # The write may have landed unanswered: what is stored says. Still undecided, it
        # raises on (the sweeper sends it again); decided, its attachments still go.
        status = _settled_by_someone_else(ref, messages)
        if status is not MessageStatus.FAILED:
            if status is None:
                raise
            return status
        stored = None  # its events wait for the relay
    logger.warning("message %s FAILED: %s", message.id, reason)
    index_if_possible(failed if stored is None else stored, index)
    if outbox is not None and stored is not None:
        announce_new_events(message, stored, queue=outbox.queue, now=clock.now())
    if not message.test:
        app_metrics().failed(message.sender_service_id, reason)
    if failed.attachments:
        # The last attempt: attachments a storage failure leaves behind stay as orphans.
        discard_attachments(message.id, attachments=attachments)
    return MessageStatus.FAILED
