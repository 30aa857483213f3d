"""Erase a citizen's data (a GDPR erasure request): the use case the operator's
`citizen erase` runs.

What goes, found from the citizen's fiscal code:
- each message (the partition /fiscal_code; its received and read marks live on it), and
  first what hangs off it: its attachments (blobs `{message id}/{n}`), its reminder claims
  (ids `{message id}:{slot}`, every slot its rules allow), its notice watch (keyed by the
  payment id of its payee and notice number), and its reminder-schedule entries (found by
  message id in every hour bucket: one read of the whole schedule per run);
- the Idempotency-Key records that name the citizen (a scan of the idempotency store);
- the profile, last.

Order makes a re-run finish an interrupted one: a message is deleted only after what is
found through it, so whatever an interruption leaves is still reachable from what remains,
and every delete of something already gone counts nothing and goes on.

What stays, and why (docs/security.md): payments belong to the payee (payee, notice
number, paid_at: no fiscal code of the citizen); dead callback events hold no fiscal code;
an erasure's audit record holds only the keyed hash of the fiscal code. A message accepted
while the erasure runs (in flight) is REJECTED by ProcessMessage, since the profile is gone,
and kept as rejected messages are; running the erasure again deletes it.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass

from shared.domain.citizen_hash import citizen_hash
from shared.domain.erasure import ErasedKind, ErasureRecord, require_valid_ticket
from shared.domain.fiscal_code import require_valid_fiscal_code
from shared.domain.message import Message
from shared.domain.payment import payment_id
from shared.domain.reminders import ReminderPolicy, reminder_slots
from shared.services.ports import (
    AttachmentStore,
    Clock,
    ErasureLog,
    IdempotencyStore,
    MessageRepository,
    NoticeWatches,
    ProfileRepository,
    ReminderClaims,
    ReminderSchedule,
    ServiceMessageIndex,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasurePorts:
    messages: MessageRepository
    attachments: AttachmentStore
    schedule: ReminderSchedule
    claims: ReminderClaims
    watches: NoticeWatches
    idempotency: IdempotencyStore
    profiles: ProfileRepository
    log: ErasureLog
    clock: Clock
    policy: ReminderPolicy
    # The services' index of their messages (no fiscal code, but the message's reference and
    # times): its entries go with the messages. None where it is not configured.
    index: ServiceMessageIndex | None = None


def possible_slot_keys(message: Message, policy: ReminderPolicy) -> list[str]:
    """Every reminder slot the message could ever have had claimed: as if unread and unpaid."""
    unread = message.model_copy(update={"read_at": None})
    return [slot.key for slot in reminder_slots(unread, paid=False, policy=policy)]


def _erase_message(message: Message, ports: ErasurePorts, counts: Counter[ErasedKind]) -> None:
    if message.attachments:
        counts[ErasedKind.ATTACHMENTS] += ports.attachments.delete_for(message.id)
    slot_keys = possible_slot_keys(message, ports.policy)
    if slot_keys:
        counts[ErasedKind.REMINDER_CLAIMS] += ports.claims.forget(message.id, slot_keys)
    data = message.content.payment_data
    if data is not None and data.payee is not None:
        notice = payment_id(data.payee.fiscal_code, data.notice_number)
        counts[ErasedKind.NOTICE_WATCHES] += ports.watches.forget(notice, message.id)
    if ports.index is not None:
        counts[ErasedKind.INDEX_ENTRIES] += ports.index.remove(
            message.sender_service_id, message.id
        )
    counts[ErasedKind.MESSAGES] += ports.messages.delete(message.fiscal_code, message.id)


def erase_citizen(
    fiscal_code: str, *, ticket: str, hash_key: str, ports: ErasurePorts
) -> ErasureRecord:
    """Delete everything Postino holds about the citizen, and record that it was done.

    Returns the completed audit record (counts of what this run deleted). Raises
    ValidationError for a bad fiscal code or ticket (nothing done), StorageUnavailableError
    when a store fails midway: run it again, it finishes the work.
    """
    require_valid_fiscal_code(fiscal_code)
    require_valid_ticket(ticket)
    record = ErasureRecord(
        id=str(uuid.uuid4()),
        citizen_hash=citizen_hash(fiscal_code, hash_key),
        ticket=ticket,
        requested_at=ports.clock.now(),
    )
    # Written first: an erasure that is interrupted leaves an incomplete record behind.
    ports.log.record(record)
    logger.info("erasure %s started", record.id)
    counts: Counter[ErasedKind] = Counter()
    messages = ports.messages.of_citizen(fiscal_code)
    if messages:
        ids = [message.id for message in messages]
        counts[ErasedKind.REMINDER_SCHEDULE_ENTRIES] += ports.schedule.forget(ids)
    for message in messages:
        _erase_message(message, ports, counts)
    counts[ErasedKind.IDEMPOTENCY_RECORDS] += ports.idempotency.forget_citizen(fiscal_code)
    counts[ErasedKind.PROFILES] += ports.profiles.delete(fiscal_code)
    done = record.completed(dict(counts), ports.clock.now())
    ports.log.record(done)
    logger.info("erasure %s completed: %d messages", record.id, counts[ErasedKind.MESSAGES])
    return done
