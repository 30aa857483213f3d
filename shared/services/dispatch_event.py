"""Deliver one pending event of a message's outbox: a push to the citizen's devices, or a
signed status callback to the sending service. At least once, and only once in the usual
case: the event is claimed (a lease in its message's document) before it is delivered and
removed from the outbox after; a dispatcher that dies in between leaves the claim to expire,
and the event is delivered again under the same id (a receiver that dedupes by id sees it
once; a push carries the message id as its collapse key, so a phone shows it once).

A failed delivery is tried again with exponential backoff and jitter (or the receiver's
Retry-After) until the event's deadline: a callback then goes to the dead letters, where an
operator can replay it; a new-message push is dropped (a day-old "new message" misleads).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from shared.domain.callback_signature import signature_headers
from shared.domain.callbacks import CallbackOutcome, Delivered, Refused, RetryLater
from shared.domain.citizen_hash import push_tag
from shared.domain.errors import (
    ConcurrentUpdateError,
    OutcomeUnknownError,
    PushDeliveryError,
    SealedSecretError,
    StorageUnavailableError,
)
from shared.domain.events import DEFAULT_TIMING, DeadEvent, EventRef, EventTiming, PendingEvent
from shared.domain.message import Message
from shared.domain.profile import Profile, PushContent
from shared.domain.push import new_message_push
from shared.domain.timestamps import rfc3339
from shared.observability.metrics import app_metrics
from shared.services.ports import (
    CallbackSender,
    Clock,
    DeadEventStore,
    EventQueue,
    MessageRepository,
    ProfileRepository,
    PushSender,
    SecretOpener,
    ServiceMessageIndex,
)
from shared.services.service_directory import CachedServiceDirectory
from shared.services.service_message_index import index_if_possible

logger = logging.getLogger(__name__)

# A reference may arrive a little before its event's time (clocks, the queue's delay).
EARLY_SLACK = timedelta(seconds=5)
# Conditional writes of one event tried in all, when others keep writing its message.
_WRITE_ATTEMPTS = 3


class Dispatch(StrEnum):
    """What became of one reference to an event."""

    DELIVERED = "DELIVERED"
    # Nothing to deliver any more (the citizen turned pushes off, the callback was removed).
    DROPPED = "DROPPED"
    RETRY_LATER = "RETRY_LATER"
    # Given up on: a callback in the dead letters, a push dropped.
    GIVEN_UP = "GIVEN_UP"
    # No such event pending: delivered already, or its message is gone.
    GONE = "GONE"
    # Another dispatcher holds it, or its time has not come.
    NOT_NOW = "NOT_NOW"


@dataclass(frozen=True)
class DispatchPorts:
    messages: MessageRepository
    profiles: ProfileRepository
    directory: CachedServiceDirectory
    push: PushSender
    callbacks: CallbackSender
    secrets: SecretOpener
    dead_events: DeadEventStore
    queue: EventQueue
    clock: Clock
    # The key of the citizens' keyed hash (push tags).
    hash_key: str
    # Who claims: one token per worker process.
    holder: str
    timing: EventTiming = DEFAULT_TIMING
    # Each service's index of its messages, told of a delivered push (operators' counts).
    index: ServiceMessageIndex | None = None


@dataclass(frozen=True)
class _Dropped:
    why: str


_Outcome = CallbackOutcome | _Dropped


def callback_body(event: PendingEvent, message: Message) -> bytes:
    """What a callback POSTs: the event, the message's id, nothing personal."""
    body: dict[str, object] = {
        "id": event.id,
        "type": event.type.value,
        "occurred_at": rfc3339(event.occurred_at),
        "message_id": message.id,
    }
    if event.reason is not None:
        body["reason"] = event.reason
    if message.reference is not None:
        body["reference"] = message.reference  # the sender's own label, free of personal data
    if message.test:
        body["test"] = True  # a receiver shared by test and live keys tells them apart
    return json.dumps(body, separators=(",", ":")).encode()


def dispatch_event(ref: EventRef, *, ports: DispatchPorts) -> Dispatch:
    """Deliver the event `ref` names, or schedule its retry, or give it up.

    Raises StorageUnavailableError when its message could not be read or claimed (the
    reference is retried; the relay sends one again when it runs out).
    """
    message = ports.messages.get(ref.fiscal_code, ref.message_id)
    event = None if message is None else message.pending(ref.event_id)
    if message is None or event is None:
        return Dispatch.GONE
    now = ports.clock.now()
    if event.claimed_by_other(ports.holder, now) or event.not_before > now + EARLY_SLACK:
        return Dispatch.NOT_NOW
    if now >= event.deadline(ports.timing):
        return _give_up(message, event, "its deadline passed", ports=ports)
    claimed = _claim(message, event, ports=ports, now=now)
    if claimed is None:
        return Dispatch.NOT_NOW
    message, event = claimed
    return _settle(message, event, _deliver(message, event, ports=ports), ports=ports)


def _settle(
    message: Message, event: PendingEvent, outcome: _Outcome, *, ports: DispatchPorts
) -> Dispatch:
    """Remove a delivered or dropped event, schedule a retry, or give it up."""
    if isinstance(outcome, Delivered):
        _settle_delivered(message, event, ports=ports)
        return Dispatch.DELIVERED
    if isinstance(outcome, _Dropped):
        _remove(message, event.id, ports=ports)
        logger.info("message %s: event %s dropped: %s", message.id, event.id, outcome.why)
        return Dispatch.DROPPED
    if isinstance(outcome, Refused):
        return _give_up(message, event, outcome.why, ports=ports)
    return _retry_later(message, event, outcome, ports=ports)


def _settle_delivered(
    message: Message, event: PendingEvent, *, ports: DispatchPorts
) -> Message | None:
    """Remove a delivered event (a push noted as pushed); the message as stored after, or
    None when that write failed."""
    pushed = None if event.type.is_callback else ports.clock.now()
    stored = _store(message, event.id, None, ports=ports, pushed_at=pushed)
    logger.info("message %s: event %s (%s) delivered", message.id, event.id, event.type)
    app_metrics().event_dispatched(message.sender_service_id, event.type, Dispatch.DELIVERED)
    return stored


def push_claimed(
    message: Message, event: PendingEvent, *, profile: Profile | None, ports: DispatchPorts
) -> Message:
    """Deliver the new-message push `event`, which `message` (as just stored) holds claimed
    by `ports.holder`, and settle it as `dispatch_event` would; `profile` is the citizen's
    profile as read for the same change. The decider of a message uses it to push with no hop
    on the events queue; a failed push goes back to the queue's retries, and a pusher that
    dies leaves the claim to expire (the relay then sends the event to DispatchEvent).

    Returns the message as last stored, for its sender's index, which is not written here:
    the caller writes the entry once, with the push counted.
    """
    unindexed = replace(ports, index=None)
    outcome = _push(message, ports=unindexed, profile=profile)
    if isinstance(outcome, Delivered):
        return _settle_delivered(message, event, ports=unindexed) or message
    _settle(message, event, outcome, ports=unindexed)
    return message


def _claim(
    message: Message, event: PendingEvent, *, ports: DispatchPorts, now: datetime
) -> tuple[Message, PendingEvent] | None:
    """The message as stored with `event` claimed by us, or None when another dispatcher
    holds it or it is gone."""
    for _ in range(_WRITE_ATTEMPTS):
        mine = event.claimed(ports.holder, now, ports.timing)
        try:
            return ports.messages.replace(message.with_event(mine)), mine
        except ConcurrentUpdateError:
            pass
        except OutcomeUnknownError:
            pass  # the claim may have landed: what is stored says
        reread = ports.messages.get(message.fiscal_code, message.id)
        current = None if reread is None else reread.pending(event.id)
        if reread is None or current is None or current.claimed_by_other(ports.holder, now):
            return None
        if current.claimed_by == ports.holder and current.claimed_until == mine.claimed_until:
            return reread, current
        message, event = reread, current
    return None


def _deliver(message: Message, event: PendingEvent, *, ports: DispatchPorts) -> _Outcome:
    if event.type.is_callback:
        return _call_back(message, event, ports=ports)
    return _push(message, ports=ports, profile=ports.profiles.get(message.fiscal_code))


def _push(message: Message, *, ports: DispatchPorts, profile: Profile | None) -> _Outcome:
    if message.test:
        return _Dropped("a test message pushes to nobody")
    if profile is None or not profile.wants_new_message_push(message.sender_service_id):
        # Turned off, or the service blocked, since the message arrived; or the citizen left.
        return _Dropped("the citizen wants no push of this service's messages now")
    service = ports.directory.service(message.sender_service_id)
    content = profile.push_content if service is not None else PushContent.ANONYMOUS
    push = new_message_push(
        tag=push_tag(message.fiscal_code, ports.hash_key),
        preferred_languages=profile.preferred_languages,
        content=content,
        service_name="" if service is None else service.name,
        subject=message.content.subject,
        message_id=message.id,
    )
    try:
        ports.push.send(push)
    except PushDeliveryError as exc:
        return RetryLater(str(exc), None) if exc.retryable else Refused(str(exc))
    return Delivered(201)


def _call_back(message: Message, event: PendingEvent, *, ports: DispatchPorts) -> _Outcome:
    service = ports.directory.service(message.sender_service_id)
    if service is None or service.callback is None:
        return _Dropped("the service has no callback")
    body = callback_body(event, message)
    try:
        secrets = [
            ports.secrets.open(secret.sealed, service_id=service.id)
            for secret in service.callback.secrets
        ]
    except SealedSecretError:
        # CALLBACK_SECRETS_KEY changed under stored secrets: an operator's fix (the right key,
        # or a new secret) lets the retries, or a replay from the dead letters, go through.
        return RetryLater("the callback's signing secret cannot be opened")
    headers = signature_headers(
        secrets, event_id=event.id, timestamp=int(ports.clock.now().timestamp()), body=body
    )
    return ports.callbacks.post(
        service.callback.url, body, {**headers, "Content-Type": "application/json"}
    )


def _store(
    message: Message,
    event_id: str,
    change: PendingEvent | None,
    *,
    ports: DispatchPorts,
    pushed_at: datetime | None = None,
) -> Message | None:
    """Replace (or, with None, remove) the event `event_id` in its message, re-reading after
    lost races; the message as stored after, or None when it could not be written (the
    claim's expiry settles it).

    `pushed_at`: the event was a delivered new-message push, noted in the same write (so a
    repeated write counts it once) and then in the sender's index.
    """
    current: Message | None = message
    for _ in range(_WRITE_ATTEMPTS):
        if current is None or current.pending(event_id) is None:
            return current
        updated = current.without_event(event_id) if change is None else current.with_event(change)
        if pushed_at is not None and updated.pushed_at is None:
            updated = updated.model_copy(update={"pushed_at": pushed_at})
        try:
            stored = ports.messages.replace(updated)
            if pushed_at is not None:
                index_if_possible(stored, ports.index)
            return stored
        except (ConcurrentUpdateError, OutcomeUnknownError):
            current = ports.messages.get(message.fiscal_code, message.id)
            if change is not None and current is not None:
                pending = current.pending(event_id)
                if pending == change:
                    return current
            if pushed_at is not None and current is not None and current.pending(event_id) is None:
                index_if_possible(current, ports.index)  # the lost reply's write had landed
    logger.warning(
        "message %s: event %s could not be settled; its claim will expire", message.id, event_id
    )
    return None


def _remove(message: Message, event_id: str, *, ports: DispatchPorts) -> None:
    _store(message, event_id, None, ports=ports)


def _retry_later(
    message: Message, event: PendingEvent, outcome: RetryLater, *, ports: DispatchPorts
) -> Dispatch:
    now = ports.clock.now()
    wait = ports.timing.retry_wait(event.attempts + 1, outcome.retry_after_seconds)
    if now + wait >= event.deadline(ports.timing):
        return _give_up(message, event, outcome.why, ports=ports)
    retried = event.retried_after(wait, outcome.why, now, ports.timing)
    logger.info(
        "message %s: event %s attempt %d failed (%s); next in %ds",
        message.id,
        event.id,
        retried.attempts,
        outcome.why,
        int(wait.total_seconds()),
    )
    app_metrics().event_dispatched(message.sender_service_id, event.type, Dispatch.RETRY_LATER)
    if _store(message, event.id, retried, ports=ports) is not None:
        ref = EventRef(message_id=message.id, fiscal_code=message.fiscal_code, event_id=event.id)
        try:
            ports.queue.send(ref, delay=wait)
        except StorageUnavailableError:
            # Sent or not, the relay sends it again once due: nothing is lost.
            logger.info("message %s: event %s retry left to the relay", message.id, event.id)
    return Dispatch.RETRY_LATER


def _give_up(message: Message, event: PendingEvent, why: str, *, ports: DispatchPorts) -> Dispatch:
    now = ports.clock.now()
    if event.type.is_callback:
        # Kept before it leaves the outbox: a crash in between keeps it twice, never loses it.
        dead = DeadEvent.of(
            event.model_copy(update={"last_error": why}),
            service_id=message.sender_service_id,
            message_id=message.id,
            now=now,
        )
        ports.dead_events.put(dead)
    logger.warning(
        "message %s: event %s (%s) given up after %d attempts: %s",
        message.id,
        event.id,
        event.type,
        event.attempts + 1,
        why,
    )
    app_metrics().event_dispatched(message.sender_service_id, event.type, Dispatch.GIVEN_UP)
    _remove(message, event.id, ports=ports)
    return Dispatch.GIVEN_UP
