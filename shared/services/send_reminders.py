"""Reminder runs: send the Premium reminder pushes that are due, each exactly once, only to
consenting citizens, never in quiet hours, at most one per citizen per run and `daily_cap`
per citizen per day; and keep the schedule pointing at what is due next.

A run fans out (see shared.domain.reminder_schedule): ReminderTimer queues one work item per
open bucket of the schedule (`queue_reminder_partitions`), and ReminderPartition works one
(`send_partition_reminders`), its entries `concurrency` at a time. What holds across
partitions worked side by side, on any number of instances, is kept in storage: the slot
claims (exactly once), the citizen's daily counter (the cap) and the citizen's counter of the
run (one push per run)."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from pydantic import ValidationError

from shared.domain.citizen_hash import citizen_hash, push_tag
from shared.domain.errors import (
    ConcurrentUpdateError,
    PushDeliveryError,
    StorageUnavailableError,
)
from shared.domain.message import FeatureLevel, Message, MessageStatus
from shared.domain.profile import Profile, ReminderConsent
from shared.domain.push import ReminderKind, reminder_push
from shared.domain.reminder_schedule import (
    MAX_PUSH_ATTEMPTS,
    PARTITION_LEASE,
    ClaimState,
    ReminderPartition,
    ScheduleEntry,
    SlotBusy,
    SlotClaim,
)
from shared.domain.reminders import ReminderPolicy, ReminderSlot, next_check, open_slots
from shared.domain.service import Tier
from shared.observability.log_context import bind, fork, scope
from shared.observability.metrics import app_metrics
from shared.services.payment_status import notice_status_of
from shared.services.ports import (
    Clock,
    MessageRepository,
    PaymentRepository,
    ProfileRepository,
    PushSender,
    ReminderClaims,
    ReminderSchedule,
    ReminderWork,
    ServiceMessageIndex,
    WindowCounter,
)
from shared.services.push_counts import count_reminder_sent
from shared.services.service_directory import CachedServiceDirectory

logger = logging.getLogger(__name__)

# A push that failed retryably is tried again after this long.
RETRY_DELAY = timedelta(minutes=15)
# An entry whose handling failed unexpectedly is looked at again after this long.
FAILED_ENTRY_DELAY = timedelta(hours=1)
# The daily counter outlives the day it counts, whatever the time zone.
_DAY_COUNTER_TTL_SECONDS = 2 * 24 * 3600


@dataclass(frozen=True)
class ReminderPorts:
    schedule: ReminderSchedule
    claims: ReminderClaims
    messages: MessageRepository
    profiles: ProfileRepository
    payments: PaymentRepository
    directory: CachedServiceDirectory
    push: PushSender
    counter: WindowCounter
    clock: Clock
    # Each service's index of its messages, told of each reminder sent (operators' counts).
    index: ServiceMessageIndex | None = None


@dataclass
class ReminderReport:
    """What a run did; `by_kind` counts the pushes sent."""

    looked_at: int = 0
    sent: int = 0
    by_kind: dict[ReminderKind, int] = field(default_factory=dict)
    deferred: int = 0
    skipped: int = 0
    failed: int = 0
    dropped: int = 0
    partitions: int = 0

    def add(self, other: ReminderReport) -> None:
        self.looked_at += other.looked_at
        self.sent += other.sent
        for kind, count in other.by_kind.items():
            self.by_kind[kind] = self.by_kind.get(kind, 0) + count
        self.deferred += other.deferred
        self.skipped += other.skipped
        self.failed += other.failed
        self.dropped += other.dropped
        self.partitions += other.partitions


@dataclass
class _Run:
    """One partition's work, as one entry's handling sees it (`report` is that entry's)."""

    now: datetime
    run_at: datetime
    ports: ReminderPorts
    policy: ReminderPolicy
    hash_key: str
    report: ReminderReport = field(default_factory=ReminderReport)


@dataclass(frozen=True)
class ReminderPlanner:
    """Puts messages on the reminder schedule when they reach the inbox."""

    schedule: ReminderSchedule
    policy: ReminderPolicy

    def plan(self, message: Message) -> datetime | None:
        """Schedule a PROCESSED Premium (ADVANCED) message that has a reminder ahead, and
        say when it will be looked at; None when it never needs one.

        Raises StorageUnavailableError.
        """
        if message.feature_level_type is not FeatureLevel.ADVANCED or message.processed_at is None:
            return None
        at = next_check(
            message, done=frozenset(), paid=False, now=message.processed_at, policy=self.policy
        )
        if at is not None:
            entry = ScheduleEntry(message_id=message.id, fiscal_code=message.fiscal_code, at=at)
            self.schedule.add(entry)
        return at


def queue_reminder_partitions(
    *, schedule: ReminderSchedule, work: ReminderWork, clock: Clock
) -> list[ReminderPartition]:
    """ReminderTimer's run: queue a work item for each open bucket of an hour begun that is
    not queued already (or whose lease ran out: its worker died), and lease it. Reads no
    entry. Returns the partitions queued.

    Raises StorageUnavailableError (what was queued stays queued; the next run goes on).
    """
    now = clock.now()
    queued: list[ReminderPartition] = []
    for bucket in sorted(schedule.open_buckets(now), key=lambda item: item.bucket):
        if not bucket.may_queue(now):
            continue
        try:
            partition = ReminderPartition(bucket=bucket.bucket, hour=bucket.hour, run_at=now)
        except ValidationError:
            logger.warning("schedule document %s is not a bucket; left alone", bucket.bucket)
            continue
        # Queued, then leased: a lease lost after its item was queued only lets the next
        # run queue it again (worked twice, sent once); the other way round, a lost item
        # would wait out its lease.
        work.send(partition)
        schedule.mark_queued(bucket.bucket, now + PARTITION_LEASE)
        queued.append(partition)
    logger.info("reminder run: %d partitions queued", len(queued))
    return queued


def send_partition_reminders(
    partition: ReminderPartition,
    *,
    ports: ReminderPorts,
    policy: ReminderPolicy,
    hash_key: str,
    concurrency: int = 1,
) -> ReminderReport:
    """ReminderPartition's work: the due entries of one bucket, `concurrency` at a time;
    then the bucket's lease is lifted (and, its hour over and nothing left, it is drained).

    Raises StorageUnavailableError: the partition stops, its work item comes back and the
    entries handled stay handled (their claims and moves make a second pass harmless).
    """
    now = ports.clock.now()
    run = _Run(now=now, run_at=partition.run_at, ports=ports, policy=policy, hash_key=hash_key)
    due = [entry for entry in ports.schedule.bucket_entries(partition.bucket) if entry.at <= now]
    report = _work(sorted(due, key=lambda entry: entry.at), run, concurrency)
    ports.schedule.finish(partition.bucket, hour_over=partition.hour_over(ports.clock.now()))
    report.partitions = 1
    logger.info(
        "reminder partition %s: %d looked at, %d sent, %d deferred, %d skipped, %d failed, "
        "%d dropped",
        partition.bucket,
        report.looked_at,
        report.sent,
        report.deferred,
        report.skipped,
        report.failed,
        report.dropped,
    )
    return report


def send_reminders(
    *, ports: ReminderPorts, policy: ReminderPolicy, hash_key: str, concurrency: int = 1
) -> ReminderReport:
    """A whole run in this process: every open bucket of an hour begun worked in turn, as
    the timer and the partition workers would (for operators' tools and tests).

    Raises StorageUnavailableError.
    """
    now = ports.clock.now()
    report = ReminderReport()
    for bucket in sorted(ports.schedule.open_buckets(now), key=lambda item: item.bucket):
        partition = ReminderPartition(bucket=bucket.bucket, hour=bucket.hour, run_at=now)
        report.add(
            send_partition_reminders(
                partition, ports=ports, policy=policy, hash_key=hash_key, concurrency=concurrency
            )
        )
    return report


def _work(entries: list[ScheduleEntry], run: _Run, concurrency: int) -> ReminderReport:
    """Handle `entries`, up to `concurrency` at once; the first storage failure stops the
    entries not yet begun and is raised once those begun are done."""
    report = ReminderReport()
    if concurrency <= 1 or len(entries) <= 1:
        for entry in entries:
            own = replace(run, report=ReminderReport())
            try:
                _handle_alone(entry, own)
            finally:
                report.add(own.report)
        return report
    stop = threading.Event()
    lock = threading.Lock()

    def handle(entry: ScheduleEntry) -> None:
        if stop.is_set():
            return
        fork()  # this thread's log fields are its own
        own = replace(run, report=ReminderReport())
        try:
            _handle_alone(entry, own)
        except BaseException:
            stop.set()
            raise
        finally:
            with lock:
                report.add(own.report)

    workers = min(concurrency, len(entries))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reminders") as pool:
        futures = [pool.submit(contextvars.copy_context().run, handle, entry) for entry in entries]
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error
    return report


def _handle_alone(entry: ScheduleEntry, run: _Run) -> None:
    """Handle one entry; one that fails unexpectedly is put off, not left to stop every
    run (storage being away does stop the run: the next one goes on)."""
    with scope(message_id=entry.message_id):
        try:
            _handle(entry, run)
        except (StorageUnavailableError, ConcurrentUpdateError):
            raise
        except Exception:
            logger.exception("message %s: reminder handling failed; put off", entry.message_id)
            run.report.failed += 1
            _defer(entry, run.now + FAILED_ENTRY_DELAY, run)


def _handle(entry: ScheduleEntry, run: _Run) -> None:
    ports = run.ports
    run.report.looked_at += 1
    message = ports.messages.get(entry.fiscal_code, entry.message_id)
    sender = None if message is None else ports.directory.service(message.sender_service_id)
    if sender is not None:
        bind(service_id=sender.id)
    if (
        message is None
        or message.status is not MessageStatus.PROCESSED
        or message.feature_level_type is not FeatureLevel.ADVANCED
        or sender is None
        or sender.tier is not Tier.PREMIUM
    ):
        # Gone, or no longer a Premium message: nothing will ever be due.
        ports.schedule.move(entry, None)
        run.report.dropped += 1
        return
    # Payment reminders only for a notice whose payee is the sender's organization or
    # delegated to it: whether another organization's notice was paid is not the sender's
    # to know, and reminding of it could nag a citizen who paid.
    notice = notice_status_of(message, sender=sender, payments=ports.payments)
    remind_payment = notice is not None and not notice.is_paid
    done = frozenset(entry.done)
    slots = open_slots(message, done=done, paid=not remind_payment, now=run.now, policy=run.policy)
    if slots:
        outcome = _remind(entry, message, slots, sender.id, run)
        if outcome is None:  # held back: look again when it may go
            return
        done |= outcome
    # A paid notice is still looked at on its payment slots until its due date: the
    # payment platform may reverse the payment, and its reminders then resume.
    _reschedule(entry, message, done, watch_payment=notice is not None, run=run)


def _reschedule(
    entry: ScheduleEntry,
    message: Message,
    done: frozenset[str],
    *,
    watch_payment: bool,
    run: _Run,
) -> None:
    at = next_check(message, done=done, paid=not watch_payment, now=run.now, policy=run.policy)
    run.ports.schedule.move(entry, None if at is None else entry.moved(at, done))


def _defer(entry: ScheduleEntry, until: datetime, run: _Run) -> None:
    run.ports.schedule.move(entry, entry.moved(until, frozenset(entry.done)))
    run.report.deferred += 1


def _consents(profile: Profile | None, service_id: str) -> bool:
    return (
        profile is not None
        and profile.reminders is ReminderConsent.ENABLED
        and profile.refusal_reason(service_id) is None
    )


def _remind(
    entry: ScheduleEntry,
    message: Message,
    slots: list[ReminderSlot],
    service_id: str,
    run: _Run,
) -> frozenset[str] | None:
    """Send the first of `slots` if the citizen may get it now. Returns the slot keys now
    settled (one push covers every open slot), or None when the reminder was held back
    (its entry is moved already)."""
    covered = frozenset(slot.key for slot in slots)
    # Consent and blocks are checked now, not when the message arrived.
    profile = run.ports.profiles.get(message.fiscal_code)
    if profile is None or not _consents(profile, service_id):
        run.report.skipped += 1
        return covered
    if run.policy.is_quiet(run.now):
        _defer(entry, run.policy.quiet_ends(run.now), run)
        return None
    citizen = citizen_hash(message.fiscal_code, run.hash_key)
    sent = _push(message, slots[0], profile, entry, run, citizen=citizen)
    return covered if sent else None


def _push(
    message: Message,
    slot: ReminderSlot,
    profile: Profile,
    entry: ScheduleEntry,
    run: _Run,
    *,
    citizen: str,
) -> bool:
    """Claim the slot, count it against the citizen's run and day, send it. False when
    held back."""
    ports, now = run.ports, run.now
    # Claimed at the time of claiming, not the run's start: the lease counts from here.
    claim = ports.claims.claim(message.id, slot.key, ports.clock.now())
    if claim is None:  # settled: sent, given up or out of attempts
        return True
    if isinstance(claim, SlotBusy):
        # Another run is sending it, or died doing so: look again when its claim may be
        # taken over, rather than count the slot done on a push that may never go out.
        _defer(entry, claim.until, run)
        return False
    if _held_back_by_counts(claim, entry, run, citizen=citizen):
        return False
    push = reminder_push(
        tag=push_tag(message.fiscal_code, run.hash_key),
        kind=slot.kind,
        preferred_languages=profile.preferred_languages,
        message_id=message.id,
        expires_at=None if slot.kind is ReminderKind.UNREAD else message.content.due_date,
    )
    try:
        ports.push.send(push)
    except PushDeliveryError as error:
        run.report.failed += 1
        if error.retryable and claim.attempts < MAX_PUSH_ATTEMPTS:
            ports.claims.settle(claim, ClaimState.RETRY)
            logger.warning("message %s: %s reminder failed, will retry", message.id, slot.kind)
            _defer(entry, now + RETRY_DELAY, run)
            return False
        ports.claims.settle(claim, ClaimState.GAVE_UP)
        logger.error("message %s: %s reminder given up: %s", message.id, slot.kind, error)
        return True
    ports.claims.settle(claim, ClaimState.SENT)
    count_reminder_sent(message, slot.key, messages=ports.messages, index=ports.index)
    run.report.sent += 1
    run.report.by_kind[slot.kind] = run.report.by_kind.get(slot.kind, 0) + 1
    app_metrics().reminder_sent(slot.kind)
    logger.info("message %s: %s reminder %d sent", message.id, slot.kind, slot.ordinal)
    return True


def _held_back_by_counts(
    claim: SlotClaim, entry: ScheduleEntry, run: _Run, *, citizen: str
) -> bool:
    """Count the claimed push against the citizen's day (the daily cap), once per run (one
    push per run, whichever partition or instance sends it): one write. When the run has
    counted the citizen already, or the day is spent, the slot is given back and the entry
    put off: True."""
    ports, policy, now = run.ports, run.policy, run.now
    day_key = f"reminder-pushes:{citizen}:{policy.local_day(now)}"
    run_token = f"{run.run_at:%Y%m%dT%H%M%S}"
    counted = _guarded(
        claim,
        ports,
        lambda: ports.counter.count_once(day_key, _DAY_COUNTER_TTL_SECONDS, token=run_token),
    )
    if counted is None:  # this run pushed to the citizen already
        ports.claims.release(claim)
        _defer(entry, now + timedelta(minutes=1), run)  # the next run
        return True
    if counted > policy.daily_cap:
        ports.claims.release(claim)
        _defer(entry, policy.next_local_day(now), run)
        return True
    return False


def _guarded[T](claim: SlotClaim, ports: ReminderPorts, write: Callable[[], T]) -> T:
    """Count the claimed push with `write`. When storage fails, the run stops and the slot
    is given back unspent (if storage lets us: otherwise the claim's lease gives it back)."""
    try:
        return write()
    except StorageUnavailableError:
        with contextlib.suppress(StorageUnavailableError):
            ports.claims.release(claim)
        raise
