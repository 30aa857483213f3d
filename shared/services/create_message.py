"""Accept a message from a service: validate, check entitlements, honour the
Idempotency-Key, record it ACCEPTED, enqueue its reference."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from shared.domain.entitlements import check_message_entitlements
from shared.domain.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    IdempotencyInProgressError,
    IdempotencyMismatchError,
    PostinoError,
)
from shared.domain.idempotency import (
    IdempotencyRecord,
    check_idempotency_key,
    idempotency_record_id,
    request_fingerprint,
)
from shared.domain.message import Message, NewMessage, Payee
from shared.domain.message_id import new_message_id
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.domain.service import Service
from shared.observability.log_context import bind
from shared.services.message_attachments import discard_attachments, store_attachments
from shared.services.ports import (
    AttachmentStore,
    Clock,
    IdempotencyStore,
    MessageQueue,
    MessageRepository,
)

logger = logging.getLogger(__name__)

# How long a reservation of an Idempotency-Key may stay without its message before
# another request with the same key may take it over (the first one crashed).
RESERVATION_LEASE = timedelta(seconds=30)


@dataclass(frozen=True)
class Accepted:
    message: Message
    replayed: bool


def _with_default_payee(message: NewMessage, sender: Service) -> NewMessage:
    payment = message.content.payment_data
    if payment is None or payment.payee is not None:
        return message
    payee = Payee(fiscal_code=sender.organization_fiscal_code)
    content = message.content.model_copy(
        update={"payment_data": payment.model_copy(update={"payee": payee})}
    )
    return message.model_copy(update={"content": content})


def _reserve(
    store: IdempotencyStore, record: IdempotencyRecord, *, messages: MessageRepository, clock: Clock
) -> IdempotencyRecord | Message:
    """Our reservation (to go on with), or the message an earlier same request created."""
    existing, created = store.reserve(record)
    if created:
        return existing
    if existing.request_hash != record.request_hash:
        raise IdempotencyMismatchError(
            "this Idempotency-Key was used for a different request; use a new key"
        )
    earlier = messages.get(existing.fiscal_code, existing.message_id)
    if earlier is not None:
        return earlier
    if clock.now() - existing.reserved_at < RESERVATION_LEASE:
        raise IdempotencyInProgressError(
            "a request with this Idempotency-Key is still in progress; retry shortly"
        )
    try:
        # The earlier request died before creating its message: carry on in its place.
        return store.replace(existing.model_copy(update={"reserved_at": clock.now()}))
    except ConcurrentUpdateError:
        raise IdempotencyInProgressError(
            "a request with this Idempotency-Key is still in progress; retry shortly"
        ) from None


def create_message(
    sender: Service,
    path_fiscal_code: str | None,
    body: bytes,
    *,
    idempotency_key: str | None = None,
    request_id: str = "",
    messages: MessageRepository,
    queue: MessageQueue,
    idempotency: IdempotencyStore,
    attachments: AttachmentStore,
    clock: Clock,
) -> Accepted:
    """Record a new message as ACCEPTED and enqueue it for processing; store its
    attachments (Premium) in Blob storage first.

    With an Idempotency-Key, the same request again returns the first message (replayed).
    Raises ValidationError (every invalid field at once), ForbiddenError,
    IdempotencyMismatchError, IdempotencyInProgressError and StorageUnavailableError.
    """
    if idempotency_key is not None:
        check_idempotency_key(idempotency_key)
    fiscal_code, new = validate_new_message(path_fiscal_code, body)
    check_message_entitlements(sender, fiscal_code, new)
    new = _with_default_payee(new, sender)
    now = clock.now()
    reservation: IdempotencyRecord | None = None
    message_id = new_message_id(now)
    if idempotency_key is not None:
        outcome = _reserve(
            idempotency,
            IdempotencyRecord(
                id=idempotency_record_id(sender.id, idempotency_key),
                service_id=sender.id,
                request_hash=request_fingerprint(fiscal_code, new),
                message_id=message_id,
                fiscal_code=fiscal_code,
                reserved_at=now,
            ),
            messages=messages,
            clock=clock,
        )
        if isinstance(outcome, Message):
            bind(message_id=outcome.id)
            logger.info("message %s: Idempotency-Key replayed", outcome.id)
            return Accepted(outcome, replayed=True)
        reservation, message_id = outcome, outcome.message_id
    bind(message_id=message_id)
    try:
        stored = store_attachments(message_id, new.content.attachments, attachments=attachments)
    except PostinoError:
        _release(reservation, idempotency=idempotency)
        raise
    try:
        message = messages.add(
            Message.accepted(
                id=message_id,
                fiscal_code=fiscal_code,
                sender_service_id=sender.id,
                now=now,
                time_to_live=new.time_to_live,
                content=new.content.stored(),
                feature_level_type=new.feature_level_type,
                attachments=stored,
            )
        )
    except AlreadyExistsError:
        # Only a taken-over reservation reuses an id: the first request did create it.
        earlier = messages.get(fiscal_code, message_id)
        if earlier is None:
            raise
        return Accepted(earlier, replayed=True)
    except PostinoError:
        if stored and _surely_absent(fiscal_code, message_id, messages=messages):
            discard_attachments(message_id, attachments=attachments)
        _release(reservation, idempotency=idempotency)
        raise
    try:
        queue.send(MessageRef(message_id=message.id, fiscal_code=fiscal_code))
    except PostinoError:
        _withdraw(
            message,
            reservation,
            messages=messages,
            idempotency=idempotency,
            attachments=attachments,
        )
        raise
    # DEBUG: the invocation's "finished" line already names the message, the service and
    # the outcome; a second INFO line per request doubled the hot path's logging cost.
    logger.debug(
        "message %s accepted from service %s (request %s)", message.id, sender.id, request_id
    )
    return Accepted(message, replayed=False)


def _surely_absent(fiscal_code: str, message_id: str, *, messages: MessageRepository) -> bool:
    """Whether the message is known not to be stored (a failed write may have landed)."""
    try:
        return messages.get(fiscal_code, message_id) is None
    except PostinoError:
        return False


def _release(reservation: IdempotencyRecord | None, *, idempotency: IdempotencyStore) -> None:
    """Let a retry with the same key start afresh instead of waiting out the lease."""
    if reservation is not None:
        with contextlib.suppress(PostinoError):
            idempotency.release(reservation)


def _withdraw(
    message: Message,
    reservation: IdempotencyRecord | None,
    *,
    messages: MessageRepository,
    idempotency: IdempotencyStore,
    attachments: AttachmentStore,
) -> None:
    """Undo an acceptance whose enqueue failed, so the caller's retry starts afresh.

    If the undo fails too, the record stays ACCEPTED and the sweeper enqueues it later:
    the message is then delivered although the caller was told 503 (an Idempotency-Key
    makes the caller's retry find it instead of creating a second one).
    """
    try:
        removed = messages.remove(message)
    except PostinoError:
        removed = False
    if not removed:
        logger.warning(
            "message %s: enqueue failed and the record stays for the sweeper", message.id
        )
        return
    logger.warning("message %s: enqueue failed, acceptance withdrawn", message.id)
    if message.attachments:
        discard_attachments(message.id, attachments=attachments)
    _release(reservation, idempotency=idempotency)
