"""Accept a message from a service: check entitlements, honour the Idempotency-Key,
record it ACCEPTED, enqueue its reference. The entry point has parsed and validated the
request (shared.domain.message_rules.validate_new_message, check_idempotency_key).

Acceptance is an outbox. The stored message document is the commitment: once it may have
been written it is never deleted. Sending its reference to the queue is the fast path; the
sweeper (`sweep_accepted`) is the guaranteed one, for a send that failed or a process that
died before it. So the caller gets 201 as soon as the document is surely stored, whatever
happened to the send, and a 503 otherwise: "nothing was stored" when that is sure, "the
outcome is unknown" (naming the message id) when a write's answer was lost.

With an Idempotency-Key every attempt of a request, after any failure, works on the one
message id its key's reservation holds: a retry either finds that message (and replays it)
or writes it under that id, so it can never create a second one. Without a key, the server
never writes one request's message under two ids either (see docs/reliability.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.domain.entitlements import check_message_entitlements
from shared.domain.errors import (
    AlreadyExistsError,
    IdempotencyMismatchError,
    MessageMaybeStoredError,
    OutcomeUnknownError,
    PostinoError,
    StorageUnavailableError,
)
from shared.domain.idempotency import (
    IdempotencyRecord,
    idempotency_record_id,
    request_fingerprint,
)
from shared.domain.message import Message, NewMessage, Payee
from shared.domain.message_id import new_message_id
from shared.domain.message_ref import MessageRef
from shared.domain.sandbox import TEST_MESSAGE_RETENTION_SECONDS
from shared.domain.service import Service
from shared.observability.log_context import bind
from shared.services.message_attachments import discard_attachments, store_attachments
from shared.services.ports import (
    AttachmentStore,
    Clock,
    IdempotencyStore,
    MessageQueue,
    MessageRepository,
    ServiceMessageIndex,
)
from shared.services.service_message_index import index_if_possible

logger = logging.getLogger(__name__)

# Attempts at a write whose answer was lost; each is cut short by the request's deadline.
WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class Accepted:
    """A stored message; `replayed` when an earlier request with the same key stored it,
    `queued` when this request put its reference on the queue (otherwise the sweeper will);
    `ignored_fields`, the request's top-level fields Postino ignored (NewMessage's)."""

    message: Message
    replayed: bool
    queued: bool = True
    ignored_fields: tuple[str, ...] = ()


def _with_default_payee(message: NewMessage, sender: Service) -> NewMessage:
    payment = message.content.payment_data
    if payment is None or payment.payee is not None:
        return message
    payee = Payee(fiscal_code=sender.organization_fiscal_code)
    content = message.content.model_copy(
        update={"payment_data": payment.model_copy(update={"payee": payee})}
    )
    return message.model_copy(update={"content": content})


def _reserve(store: IdempotencyStore, record: IdempotencyRecord) -> tuple[IdempotencyRecord, bool]:
    """The key's reservation, and whether this call made it (its message cannot exist
    yet); otherwise an earlier attempt of the same request made it, maybe this request's
    own lost write, and its message id is the one to use. A reservation is never released.

    Raises IdempotencyMismatchError, StorageUnavailableError.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            stored, created = store.reserve(record)
        except OutcomeUnknownError as lost:
            # Our reservation may exist: the next attempt finds it (it holds our id).
            if attempt == WRITE_ATTEMPTS:
                raise StorageUnavailableError(f"the message was not stored: {lost}") from lost
            continue
        if stored.request_hash != record.request_hash:
            raise IdempotencyMismatchError(
                "this Idempotency-Key was used for a different request; use a new key"
            )
        return stored, created
    raise AssertionError("unreachable: the last attempt returns or raises")


def _write(message: Message, messages: MessageRepository) -> tuple[Message, bool]:
    """Store the new message under its id; returns it and whether it was this request
    that stored it (False: an earlier attempt with the same key did).

    A lost answer is resolved by writing again under the same id: the write either lands
    or finds the document the lost one stored. Raises MessageMaybeStoredError when it
    stays unknown, StorageUnavailableError when nothing was stored.
    """
    maybe_written = False
    error: StorageUnavailableError | None = None
    for _ in range(WRITE_ATTEMPTS):
        try:
            return messages.add(message), True
        except AlreadyExistsError:
            # Its id is this request's alone (or its key's): the document is this message.
            return message, maybe_written
        except OutcomeUnknownError as lost:
            maybe_written, error = True, lost
        except StorageUnavailableError as refused:
            error = refused
            break  # unreachable now: the SDK already retried the connection
    if maybe_written:
        raise MessageMaybeStoredError(message.id) from error
    raise StorageUnavailableError(f"the message was not stored: {error}") from error


def _enqueue(message: Message, queue: MessageQueue) -> bool:
    """Put the reference on the queue; False when that failed (the sweeper will)."""
    try:
        queue.send(MessageRef(message_id=message.id, fiscal_code=message.fiscal_code))
    except PostinoError:
        logger.warning("message %s stored; enqueue failed, the sweeper will send it", message.id)
        return False
    return True


def create_message(
    sender: Service,
    fiscal_code: str,
    new: NewMessage,
    *,
    idempotency_key: str | None = None,
    messages: MessageRepository,
    queue: MessageQueue,
    idempotency: IdempotencyStore,
    attachments: AttachmentStore,
    clock: Clock,
    test: bool = False,
    index: ServiceMessageIndex | None = None,
) -> Accepted:
    """Record `new`, a validated message to `fiscal_code`, as ACCEPTED and enqueue it for
    processing; store its attachments (Premium) in Blob storage first. `idempotency_key`
    is a checked key (shared.domain.idempotency.check_idempotency_key) or None.

    With an Idempotency-Key, the same request again returns the first message (replayed).
    With `test` (a TEST key), the message must name a sandbox fiscal code, and is stored
    marked test (it never reaches a citizen; see shared.domain.sandbox).
    Raises ForbiddenError, IdempotencyMismatchError, StorageUnavailableError (nothing
    stored) and MessageMaybeStoredError (a write's answer was lost).
    """
    check_message_entitlements(sender, fiscal_code, new, test=test)
    new = _with_default_payee(new, sender)
    now = clock.now()
    message_id = new_message_id(now)
    if idempotency_key is not None:
        reservation, fresh = _reserve(
            idempotency,
            IdempotencyRecord(
                id=idempotency_record_id(sender.id, idempotency_key, test=test),
                service_id=sender.id,
                request_hash=request_fingerprint(fiscal_code, new),
                message_id=message_id,
                fiscal_code=fiscal_code,
                reserved_at=now,
            ),
        )
        message_id = reservation.message_id
        earlier = None if fresh else messages.get(fiscal_code, message_id)
        if earlier is not None:
            bind(message_id=message_id)
            logger.info("message %s: Idempotency-Key replayed", message_id)
            return Accepted(earlier, replayed=True, ignored_fields=new.ignored_fields)
    bind(message_id=message_id)
    stored = store_attachments(
        message_id,
        new.content.attachments,
        attachments=attachments,
        # Another attempt with the same key may be writing the same blobs: never delete
        # them; a retry writes over them.
        discard_on_failure=idempotency_key is None,
    )
    accepted = Message.accepted(
        id=message_id,
        fiscal_code=fiscal_code,
        sender_service_id=sender.id,
        now=now,
        time_to_live=new.time_to_live,
        content=new.content.stored(),
        feature_level_type=new.feature_level_type,
        attachments=stored,
        reference=new.reference,
        test=test,
        retention_seconds=TEST_MESSAGE_RETENTION_SECONDS if test else None,
    )
    try:
        message, ours = _write(accepted, messages)
    except MessageMaybeStoredError:
        raise  # its attachments stay: the message may point at them
    except StorageUnavailableError:
        if stored and idempotency_key is None:
            discard_attachments(message_id, attachments=attachments)
        raise
    if not ours:
        logger.info("message %s: stored by an earlier attempt with the same key", message.id)
        return Accepted(message, replayed=True, ignored_fields=new.ignored_fields)
    # Before the queue: a listing shows it ACCEPTED until its decision rewrites the entry
    # (which also writes it if this write was lost).
    index_if_possible(message, index)
    # The invocation's "finished" line names the message, the service and the outcome.
    return Accepted(
        message,
        replayed=False,
        queued=_enqueue(message, queue),
        ignored_fields=new.ignored_fields,
    )
