"""A reminder run reads what is due, not what is stored; and pushes/s through the queue.

Each size in `--stored` (10,000 and 100,000) gets a stack of its own (emulators started on
free ports, storage provisioned, as `make run` does), all kept running to the end:

- fill: a Premium service, citizens (`--per-citizen` messages each, all consenting to
  reminders), and N Premium (ADVANCED) PROCESSED messages, each put on the reminder schedule
  by the real ReminderPlanner, written by `--fill-processes` processes of `--fill-threads`
  threads (the client's CPU is the limit: threads share one GIL, processes do not).
  `--due` of them (one per citizen) were processed 3 days before the run, so their first
  unread reminder is due; all the others were processed within the last 2 days, so theirs
  is 1 to 3 days ahead: what a run must not read. The schedule and the claims are
  containers of the benchmark's own (the layout's settings), so no other cursor or entries
  mix in;
- the cursor is set where the previous run of a timer running every few minutes would have
  left it: the hour of the due entries (without it, a first run looks 2 days back, some
  1,500 more point reads of empty buckets);
- runs: send_reminders with a clock fixed at RUN_AT (11:45 in Rome: no quiet hours) and
  the real adapters (pushes go through QueuePushSender to a queue of the benchmark's own).
  A warm-up run of each size, then `--repeat` measured runs of each, the sizes alternately
  so the shared machine's noise falls on all alike, the due set restored before each (its
  entries planned again, its claims and daily counters deleted: not timed). Each run must
  push exactly once per due message. During each run every Cosmos call is counted by
  wrapping ContainerProxy: documents read (point reads that found one, plus the items
  queries returned), point reads that found nothing, queries, writes by method; and every
  Storage queue call by method.

Then the ratios of the largest size to the smallest, of the median run time (target: at
most 1.5) and of the documents read per run; and, on the first stack, pushes/s: `--pushes`
pushes sent one after another through QueuePushSender, against the same payloads sent with
the bare SDK's QueueClient.send_message (base64, as every queue here), alternately for
`--push-rounds` rounds (medians).

    .venv/bin/python -m bench.reminders [--stored 10000,100000] [--due 1000] [--repeat 3]
        [--per-citizen 10] [--fill-processes 2] [--fill-threads 1] [--pushes 1000]
        [--push-rounds 3] [--json-out FILE]

Prints the JSON summary on stdout, progress and a short table on stderr. Exit code 1 if the
time ratio is above 1.5, or a run did not push exactly the due reminders.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from azure.cosmos import ContainerProxy, DatabaseProxy, PartitionKey, exceptions
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from bench.cpu_usage import cpu_ms_per_message, cpu_snapshot
from bench.pipeline_stack import (
    BenchStack,
    delete_queue,
    fresh_queue,
    new_fiscal_code,
    own_stack,
    register_sender,
)
from infra.local.emulators import PROJECT_ROOT
from shared.adapters.cosmos_client import cosmos_client
from shared.adapters.cosmos_reminder_claims import CosmosReminderClaims
from shared.adapters.cosmos_reminder_schedule import CosmosReminderSchedule
from shared.adapters.push_queue import push_to_json, queue_push_sender
from shared.bootstrap import App, build_app
from shared.config import Settings
from shared.domain.citizen_hash import citizen_hash, push_tag
from shared.domain.message import FeatureLevel, Message, MessageContent
from shared.domain.message_id import new_message_id
from shared.domain.profile import Profile, ReminderConsent
from shared.domain.push import Push, ReminderKind, reminder_push
from shared.domain.reminder_schedule import bucket_hour, claim_id
from shared.domain.reminders import ReminderPolicy, open_slots
from shared.services.ports import PushSender
from shared.services.send_reminders import (
    ReminderPlanner,
    ReminderPorts,
    ReminderReport,
    send_reminders,
)
from shared.services.service_directory import CachedServiceDirectory
from shared.storage_layout import ContainerName, storage_layout

DEFAULT_LOG_DIR = PROJECT_ROOT / ".local" / "logs" / "bench-reminders"
TARGET_TIME_RATIO = 1.5
# 11:45 in Rome (CET): outside quiet hours. The due entries fall in 10:15-10:45 UTC.
RUN_AT = datetime(2026, 3, 10, 10, 45, tzinfo=UTC)
DUE_HOUR = bucket_hour(RUN_AT)
DUE_SPREAD = timedelta(minutes=30)
# Not due: processed within this long before the run, so the first reminder is 1-3 days ahead.
RECENT = timedelta(days=2)
HASH_KEY = "bench-reminders-hash-key"
POLICY = ReminderPolicy()
SUBJECT = "Avviso di pagamento TARI 2026"
MARKDOWN = "Gentile cittadino, trova nell'app l'avviso di pagamento della tassa sui rifiuti. " * 2
# Filling is bound by the client's CPU (the SDK's work per request, under one GIL). Measured
# on the shared 2-core machine, 3,000-4,000 messages: one process 187-254/s whatever its
# threads (1, 2, 4, 8), 164/s with 16; two processes of one thread 408/s, of two 261/s;
# three or four processes no better than two.
DEFAULT_FILL_PROCESSES = 2
DEFAULT_FILL_THREADS = 1
# Restoring the due set between runs (not timed).
RESTORE_THREADS = 4

_COSMOS_WRITES = (
    "create_item",
    "upsert_item",
    "replace_item",
    "patch_item",
    "delete_item",
    "execute_item_batch",
)
_QUEUE_CALLS = (
    "send_message",
    "receive_message",
    "receive_messages",
    "peek_messages",
    "update_message",
    "delete_message",
    "get_queue_properties",
    "clear_messages",
)

T = TypeVar("T")


@dataclass(frozen=True)
class Options:
    stored: tuple[int, ...] = (10_000, 100_000)
    due: int = 1000
    repeat: int = 3
    per_citizen: int = 10
    fill_processes: int = DEFAULT_FILL_PROCESSES
    fill_threads: int = DEFAULT_FILL_THREADS
    pushes: int = 1000
    push_rounds: int = 3


class FixedClock:
    """The run's clock: a fixed moment."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class RecordingPush:
    """The real push sender, noting which message each push was about."""

    def __init__(self, inner: PushSender) -> None:
        self._inner = inner
        self.message_ids: list[str] = []

    def send(self, push: Push) -> None:
        self._inner.send(push)
        self.message_ids.append(push.message_id)


# --- counting the storage calls a run makes -------------------------------------------------


@dataclass
class CallCounts:
    """Cosmos and Storage queue calls made while counting: documents read per container
    (point reads that found one, and query results), misses, writes, queue calls."""

    documents_read: Counter[str] = field(default_factory=Counter)
    point_reads: int = 0
    point_read_misses: int = 0
    queries: int = 0
    query_results: int = 0
    writes: Counter[str] = field(default_factory=Counter)
    queue_calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **changes: int) -> None:
        with self._lock:
            for name, by in changes.items():
                setattr(self, name, getattr(self, name) + by)

    def count(self, counter: Counter[str], key: str) -> None:
        with self._lock:
            counter[key] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents_read": sum(self.documents_read.values()),
            "documents_read_by_container": dict(sorted(self.documents_read.items())),
            "point_reads": self.point_reads,
            "point_read_misses": self.point_read_misses,
            "queries": self.queries,
            "query_results": self.query_results,
            "cosmos_writes": dict(sorted(self.writes.items())),
            "queue_calls": dict(sorted(self.queue_calls.items())),
        }


class _CountedPage:
    def __init__(self, page: Iterator[Any], on_item: Callable[[], None]) -> None:
        self._page = page
        self._on_item = on_item

    def __iter__(self) -> _CountedPage:
        return self

    def __next__(self) -> Any:
        item = next(self._page)
        self._on_item()
        return item


class _CountedPages:
    """A query's pages, counting each item as it is taken (continuation_token passes)."""

    def __init__(self, pages: Any, on_item: Callable[[], None]) -> None:
        self._pages = pages
        self._on_item = on_item

    def __iter__(self) -> _CountedPages:
        return self

    def __next__(self) -> _CountedPage:
        return _CountedPage(iter(next(self._pages)), self._on_item)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pages, name)


def _counting_read(counts: CallCounts, original: Callable[..., Any]) -> Callable[..., Any]:
    def read_item(self: ContainerProxy, *args: Any, **kwargs: Any) -> Any:
        counts.add(point_reads=1)
        try:
            document = original(self, *args, **kwargs)
        except exceptions.CosmosResourceNotFoundError:
            counts.add(point_read_misses=1)
            raise
        counts.count(counts.documents_read, self.id)
        return document

    return read_item


def _counting_query(counts: CallCounts, original: Callable[..., Any]) -> Callable[..., Any]:
    def query_items(self: ContainerProxy, *args: Any, **kwargs: Any) -> Any:
        counts.add(queries=1)
        paged = original(self, *args, **kwargs)
        by_page = paged.by_page
        container = self.id

        def on_item() -> None:
            counts.add(query_results=1)
            counts.count(counts.documents_read, container)

        # ItemPaged iterates through its own by_page, so items are counted either way.
        paged.by_page = lambda *a, **k: _CountedPages(by_page(*a, **k), on_item)
        return paged

    return query_items


def _counting_call(
    counts: CallCounts, counter: Counter[str], name: str, original: Callable[..., Any]
) -> Callable[..., Any]:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts.count(counter, name)
        return original(self, *args, **kwargs)

    return call


@contextlib.contextmanager
def counting_calls() -> Iterator[CallCounts]:
    """Count every Cosmos item call and Storage queue call made inside the block."""
    counts = CallCounts()
    patches: list[tuple[type, str, Callable[..., Any]]] = [
        (ContainerProxy, "read_item", _counting_read(counts, ContainerProxy.read_item)),
        (ContainerProxy, "query_items", _counting_query(counts, ContainerProxy.query_items)),
    ]
    for name in _COSMOS_WRITES:
        original = getattr(ContainerProxy, name)
        patches.append(
            (ContainerProxy, name, _counting_call(counts, counts.writes, name, original))
        )
    for name in _QUEUE_CALLS:
        original = getattr(QueueClient, name)
        patches.append(
            (QueueClient, name, _counting_call(counts, counts.queue_calls, name, original))
        )
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)
    try:
        yield counts
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


# --- filling the stores ---------------------------------------------------------------------


def in_parallel(work: Callable[[T], object], items: Sequence[T], threads: int) -> None:
    """Do `work` for every item from `threads` threads, each taking every threads-th item."""

    def worker(share: Sequence[T]) -> None:
        for item in share:
            work(item)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for done in [pool.submit(worker, items[index::threads]) for index in range(threads)]:
            done.result()


def _message(fiscal_code: str, service_id: str, processed_at: datetime) -> Message:
    accepted_at = processed_at - timedelta(seconds=2)
    return Message.accepted(
        id=new_message_id(accepted_at),
        fiscal_code=fiscal_code,
        sender_service_id=service_id,
        now=accepted_at,
        time_to_live=3600,
        content=MessageContent(subject=SUBJECT, markdown=MARKDOWN),
        feature_level_type=FeatureLevel.ADVANCED,
    ).processed(processed_at)


def _fiscal_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_fiscal_code())
    return sorted(codes)


@dataclass
class Scenario:
    """One size on one stack: its stores, the due messages, the run's ports."""

    stack: BenchStack
    app: App
    schedule: CosmosReminderSchedule
    schedule_container: str
    claims_container: ContainerProxy
    counters: ContainerProxy
    planner: ReminderPlanner
    push_queue: str
    due: list[Message] = field(default_factory=list)

    def ports(self, push: PushSender) -> ReminderPorts:
        """The run's ports: the app's adapters, the fixed clock, and a service cache of the
        run's own on that clock (so every run reads the service once, however long it takes)."""
        clock = FixedClock(RUN_AT)
        directory = CachedServiceDirectory(
            api_keys=self.app.api_keys,
            services=self.app.services,
            clock=clock,
            ttl=timedelta(seconds=self.stack.settings.service_cache_ttl_seconds),
        )
        return ReminderPorts(
            schedule=self.schedule,
            claims=CosmosReminderClaims(self.claims_container),
            messages=self.app.messages,
            profiles=self.app.profiles,
            payments=self.app.payments,
            directory=directory,
            push=push,
            counter=self.app.rate_counter,
            clock=clock,
        )


def _own_container(database: DatabaseProxy, name: str) -> ContainerProxy:
    """A new container with the layout's settings for `name`, under a name of its own."""
    spec = storage_layout().container(name)
    return database.create_container(
        id=f"{name}-bench-{uuid.uuid4().hex[:8]}",
        partition_key=PartitionKey(path=spec.partition_key),
        indexing_policy=spec.indexing_policy,
        default_ttl=spec.default_ttl,
    )


def app_database(settings: Settings) -> DatabaseProxy:
    client = cosmos_client(
        settings.cosmos_endpoint, settings.cosmos_key, verify_tls=settings.cosmos_verify_tls
    )
    return client.get_database_client(storage_layout().database)


@contextlib.contextmanager
def scenario_stores(stack: BenchStack) -> Iterator[Scenario]:
    """The app on `stack`, with a schedule, claims and push queue of its own (removed on
    exit)."""
    settings = stack.settings
    database = app_database(settings)
    schedule = _own_container(database, ContainerName.REMINDER_SCHEDULE)
    claims = _own_container(database, ContainerName.REMINDER_CLAIMS)
    adapter = CosmosReminderSchedule(schedule)
    push_queue = fresh_queue(stack, "bench-push")
    app = build_app(settings)
    try:
        yield Scenario(
            stack=stack,
            app=app,
            schedule=adapter,
            schedule_container=schedule.id,
            claims_container=claims,
            counters=database.get_container_client(ContainerName.RATE_LIMITS),
            planner=ReminderPlanner(schedule=adapter, policy=POLICY),
            push_queue=push_queue,
        )
    finally:
        delete_queue(stack, push_queue)
        for name in (schedule.id, claims.id):
            database.delete_container(name)


@dataclass(frozen=True)
class _Share:
    """One fill process's part of the work."""

    settings: Settings
    schedule_container: str
    service_id: str
    citizens: list[str]
    plans: list[tuple[str, datetime, bool]]
    threads: int


@functools.cache
def _worker_app(settings: Settings) -> App:
    return build_app(settings)


def _save_profiles(share: _Share) -> None:
    app = _worker_app(share.settings)

    def save(fiscal_code: str) -> None:
        app.profiles.save(Profile(fiscal_code=fiscal_code, reminders=ReminderConsent.ENABLED))

    in_parallel(save, share.citizens, share.threads)


def _store_messages(share: _Share) -> tuple[list[Message], list[str]]:
    """Store the share's messages and plan each; return the due ones and any mistakes."""
    app = _worker_app(share.settings)
    database = app_database(share.settings)
    schedule = CosmosReminderSchedule(database.get_container_client(share.schedule_container))
    planner = ReminderPlanner(schedule=schedule, policy=POLICY)
    due: list[Message] = []
    wrong: list[str] = []
    lock = threading.Lock()

    def store(plan: tuple[str, datetime, bool]) -> None:
        fiscal_code, processed_at, is_due = plan
        message = app.messages.add(_message(fiscal_code, share.service_id, processed_at))
        at = planner.plan(message)
        with lock:
            if at is None or (at <= RUN_AT) != is_due:
                wrong.append(f"{message.id} planned at {at}")
            if is_due:
                due.append(message)

    in_parallel(store, share.plans, share.threads)
    return due, wrong


def fill(scenario: Scenario, stored: int, options: Options) -> dict[str, Any]:
    """Store `stored` Premium messages on the schedule, `options.due` of them due at RUN_AT,
    from `options.fill_processes` processes of `options.fill_threads` threads."""
    service_id = register_sender(scenario.stack).service_id
    citizens = _fiscal_codes(max(options.due, -(-stored // options.per_citizen)))
    not_due = stored - options.due
    plans: list[tuple[str, datetime, bool]] = [
        (citizens[index], RUN_AT - timedelta(days=3) - DUE_SPREAD * (index + 1) / options.due, True)
        for index in range(options.due)
    ]
    plans += [
        (citizens[index % len(citizens)], RUN_AT - RECENT * (index + 1) / not_due, False)
        for index in range(not_due)
    ]
    processes = options.fill_processes
    shares = [
        _Share(
            settings=scenario.stack.settings,
            schedule_container=scenario.schedule_container,
            service_id=service_id,
            citizens=citizens[index::processes],
            plans=plans[index::processes],
            threads=options.fill_threads,
        )
        for index in range(processes)
    ]
    started = time.perf_counter()
    # Spawned, not forked: this process has SDK clients and threads of its own.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        list(pool.map(_save_profiles, shares))
        profiles_done = time.perf_counter()
        stored_shares = list(pool.map(_store_messages, shares))
    messages_done = time.perf_counter()
    wrong = [mistake for _, mistakes in stored_shares for mistake in mistakes]
    if wrong:
        raise RuntimeError(f"the planner did not schedule as expected: {wrong[:5]}")
    # Where the last run of a timer running every few minutes left it.
    scenario.schedule.set_cursor(DUE_HOUR)
    scenario.due = sorted((message for due, _ in stored_shares for message in due), key=_id)
    messages_seconds = messages_done - profiles_done
    return {
        "citizens": len(citizens),
        "processes": processes,
        "threads_per_process": options.fill_threads,
        "seconds": round(messages_done - started, 1),
        "profiles_seconds": round(profiles_done - started, 1),
        "messages_seconds": round(messages_seconds, 1),
        "messages_per_s": round(stored / messages_seconds, 1),
        "cursor_set_to": DUE_HOUR.isoformat(),
    }


def _id(message: Message) -> str:
    return message.id


# --- the runs -------------------------------------------------------------------------------


def restore_due(scenario: Scenario, threads: int) -> None:
    """Make the due set due again as if no run had been: entries back in their hour, the
    claims and the day's push counters gone."""
    day = POLICY.local_day(RUN_AT)

    def restore(message: Message) -> None:
        slots = open_slots(message, done=frozenset(), paid=False, now=RUN_AT, policy=POLICY)
        for slot in slots:
            key = claim_id(message.id, slot.key)
            with contextlib.suppress(exceptions.CosmosResourceNotFoundError):
                scenario.claims_container.delete_item(key, partition_key=key)
        counter = f"pushes:{citizen_hash(message.fiscal_code, HASH_KEY)}:{day}"
        with contextlib.suppress(exceptions.CosmosResourceNotFoundError):
            scenario.counters.delete_item(counter, partition_key=counter)
        scenario.planner.plan(message)

    in_parallel(restore, scenario.due, threads)
    scenario.schedule.set_cursor(DUE_HOUR)


def _report_dict(report: ReminderReport) -> dict[str, Any]:
    return {
        "looked_at": report.looked_at,
        "sent": report.sent,
        "by_kind": {str(kind): n for kind, n in sorted(report.by_kind.items())},
        "deferred": report.deferred,
        "skipped": report.skipped,
        "failed": report.failed,
        "dropped": report.dropped,
    }


def one_run(scenario: Scenario, failures: list[str], label: str) -> dict[str, Any]:
    """One reminder run over the due set, timed and counted; checks what it sent."""
    settings = scenario.stack.settings
    push = RecordingPush(queue_push_sender(settings.storage_connection, scenario.push_queue))
    ports = scenario.ports(push)
    cpu_before = cpu_snapshot()
    with counting_calls() as counts:
        started = time.perf_counter()
        report = send_reminders(ports=ports, policy=POLICY, hash_key=HASH_KEY)
        seconds = time.perf_counter() - started
    cpu_after = cpu_snapshot()
    due_ids = Counter(message.id for message in scenario.due)
    sent_ids = Counter(push.message_ids)
    exact = sent_ids == due_ids and report.sent == len(due_ids)
    if not exact:
        missing = len(due_ids - sent_ids)
        extra = sum((sent_ids - due_ids).values())
        failures.append(
            f"{label}: sent {sum(sent_ids.values())} pushes for {len(due_ids)} due reminders "
            f"({missing} missing, {extra} extra); report {_report_dict(report)}"
        )
    return {
        "seconds": round(seconds, 3),
        "reminders_per_s": round(report.sent / seconds, 1) if seconds else None,
        "sent_exactly_the_due": exact,
        "report": _report_dict(report),
        **counts.as_dict(),
        "cpu_ms_per_reminder": cpu_ms_per_message(cpu_before, cpu_after, max(len(due_ids), 1)),
    }


def _queue_length(stack: BenchStack, name: str) -> int:
    client = QueueClient.from_connection_string(stack.settings.storage_connection, name)
    return client.get_queue_properties().approximate_message_count or 0


@dataclass
class _Measured:
    """What was measured of one scenario."""

    scenario: Scenario
    stored: int
    filled: dict[str, Any] = field(default_factory=dict)
    warmup: dict[str, Any] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    queued: int = 0

    def summary(self) -> dict[str, Any]:
        reads = [run["documents_read"] for run in self.runs]
        return {
            "stored": self.stored,
            "due": len(self.scenario.due),
            "fill": self.filled,
            "warmup_seconds": self.warmup["seconds"],
            "run_median_seconds": round(statistics.median(run["seconds"] for run in self.runs), 3),
            "documents_read_per_run": max(reads),
            "documents_read_same_every_run": len(set(reads)) == 1,
            "pushes_queued": self.queued,
            "runs": self.runs,
            "failures": self.failures,
        }


def run_scenarios(
    sizes: Sequence[tuple[BenchStack, int]], options: Options
) -> list[dict[str, Any]]:
    """Fill each stack with its number of messages, then time a warm-up run of each and
    `options.repeat` runs of each, alternately, so the machine's noise falls on all alike."""
    if not all(0 < options.due <= stored for _, stored in sizes):
        raise ValueError("the due reminders must be at least one and at most what is stored")
    with contextlib.ExitStack() as stores:
        measured = [
            _Measured(stores.enter_context(scenario_stores(stack)), stored)
            for stack, stored in sizes
        ]
        for each in measured:
            _progress(
                f"stored {each.stored}: filling from {options.fill_processes} processes of "
                f"{options.fill_threads} threads"
            )
            each.filled = fill(each.scenario, each.stored, options)
            _progress(f"stored {each.stored}: filled in {each.filled['seconds']} s")
        for each in measured:
            each.warmup = one_run(each.scenario, each.failures, "warm-up")
        for index in range(options.repeat):
            for each in measured:
                restore_due(each.scenario, RESTORE_THREADS)
                each.runs.append(one_run(each.scenario, each.failures, f"run {index + 1}"))
                _progress(
                    f"stored {each.stored}: run {index + 1} took {each.runs[-1]['seconds']} s"
                )
        expected = options.due * (options.repeat + 1)
        for each in measured:
            each.queued = _queue_length(each.scenario.stack, each.scenario.push_queue)
            if each.queued != expected:
                each.failures.append(f"the push queue holds {each.queued} pushes, not {expected}")
    return [each.summary() for each in measured]


# --- pushes per second through the queue adapter --------------------------------------------


def _pushes(count: int) -> list[Push]:
    return [
        reminder_push(
            tag=push_tag(new_fiscal_code(), HASH_KEY),
            kind=ReminderKind.UNREAD,
            preferred_languages=("it_IT",),
            message_id=new_message_id(RUN_AT),
            expires_at=None,
        )
        for _ in range(count)
    ]


def _rate(action: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    action()
    return count / (time.perf_counter() - started)


def push_rates(stack: BenchStack, options: Options) -> dict[str, Any]:
    """Pushes/s through QueuePushSender against the bare SDK sending the same payloads,
    one after another, alternately, medians over `options.push_rounds`."""
    connection = stack.settings.storage_connection
    pushes = _pushes(options.pushes)
    payloads = [push_to_json(push) for push in pushes]
    adapter_queue, floor_queue = fresh_queue(stack, "bench-push"), fresh_queue(stack, "bench-bare")
    try:
        sender = queue_push_sender(connection, adapter_queue)
        bare = QueueClient.from_connection_string(
            connection, floor_queue, message_encode_policy=TextBase64EncodePolicy()
        )

        def through_adapter() -> None:
            for push in pushes:
                sender.send(push)

        def bare_sdk() -> None:
            for payload in payloads:
                bare.send_message(payload)

        for warm in range(20):  # connections, the SDK's lazy set-up
            sender.send(pushes[warm % len(pushes)])
            bare.send_message(payloads[warm % len(payloads)])
        adapter_rates, floor_rates = [], []
        for _ in range(options.push_rounds):
            adapter_rates.append(_rate(through_adapter, options.pushes))
            floor_rates.append(_rate(bare_sdk, options.pushes))
    finally:
        delete_queue(stack, adapter_queue)
        delete_queue(stack, floor_queue)
    ratios = [mine / floor for mine, floor in zip(adapter_rates, floor_rates, strict=True)]
    return {
        "pushes": options.pushes,
        "rounds": options.push_rounds,
        "adapter_per_s": round(statistics.median(adapter_rates), 1),
        "bare_sdk_per_s": round(statistics.median(floor_rates), 1),
        "adapter_to_bare_sdk": round(statistics.median(ratios), 3),
        "adapter_runs_per_s": [round(rate, 1) for rate in adapter_rates],
        "bare_sdk_runs_per_s": [round(rate, 1) for rate in floor_rates],
    }


# --- the whole benchmark --------------------------------------------------------------------


def summarize(
    options: Options, scenarios: list[dict[str, Any]], pushes: dict[str, Any]
) -> dict[str, Any]:
    """The figures of every scenario, the ratios largest / smallest, and whether all is ok."""
    first, last = scenarios[0], scenarios[-1]
    time_ratio = round(last["run_median_seconds"] / first["run_median_seconds"], 3)
    reads_ratio = round(last["documents_read_per_run"] / first["documents_read_per_run"], 3)
    failures = [failure for scenario in scenarios for failure in scenario["failures"]]
    met = time_ratio <= TARGET_TIME_RATIO
    return {
        "benchmark": "reminders",
        "stored": list(options.stored),
        "due": options.due,
        "repeat": options.repeat,
        "per_citizen": options.per_citizen,
        "run_at": RUN_AT.isoformat(),
        "cursor_before_each_run": DUE_HOUR.isoformat(),
        "scenarios": scenarios,
        "ratios": {
            "sizes": f"{last['stored']}/{first['stored']}",
            "run_time": time_ratio,
            "documents_read": reads_ratio,
        },
        "target": {"run_time_ratio_at_most": TARGET_TIME_RATIO, "met": met},
        "push_queue": pushes,
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "failures": failures,
        "ok": met and not failures,
    }


def render_table(summary: dict[str, Any]) -> str:
    lines = [
        f"{'stored':>8} {'fill s':>7} {'msg/s':>7} {'run s (median)':>15} "
        f"{'runs s':>22} {'docs read':>10} {'by container':<40}"
    ]
    for scenario in summary["scenarios"]:
        runs = ", ".join(f"{run['seconds']:.2f}" for run in scenario["runs"])
        by_container = scenario["runs"][-1]["documents_read_by_container"]
        short = ", ".join(f"{name.split('-bench-')[0]} {n}" for name, n in by_container.items())
        lines.append(
            f"{scenario['stored']:>8} {scenario['fill']['seconds']:>7} "
            f"{scenario['fill']['messages_per_s']:>7} {scenario['run_median_seconds']:>15} "
            f"{runs:>22} {scenario['documents_read_per_run']:>10} {short:<40}"
        )
    ratios, pushes = summary["ratios"], summary["push_queue"]
    lines.append(
        f"ratio {ratios['sizes']}: run time {ratios['run_time']} "
        f"(target <= {TARGET_TIME_RATIO}: {'met' if summary['target']['met'] else 'MISSED'}), "
        f"documents read {ratios['documents_read']}"
    )
    lines.append(
        f"pushes/s: QueuePushSender {pushes['adapter_per_s']}, bare SDK send_message "
        f"{pushes['bare_sdk_per_s']} (ratio {pushes['adapter_to_bare_sdk']})"
    )
    if summary["failures"]:
        lines.append("FAILURES: " + "; ".join(summary["failures"]))
    return "\n".join(lines)


def _progress(text: str) -> None:
    print(f"[bench.reminders] {text}", file=sys.stderr, flush=True)


def benchmark(options: Options, log_dir: Path) -> dict[str, Any]:
    """Each size on a stack of its own, all running until the end; pushes/s on the first."""
    with contextlib.ExitStack() as stacks:
        sizes = [
            (stacks.enter_context(own_stack(log_dir / f"stored-{stored}-{index}")), stored)
            for index, stored in enumerate(options.stored)
        ]
        scenarios = run_scenarios(sizes, options)
        _progress(f"pushes/s over {options.push_rounds} rounds of {options.pushes}")
        pushes = push_rates(sizes[0][0], options)
    return summarize(options, scenarios, pushes)


def _sizes(text: str) -> tuple[int, ...]:
    sizes = tuple(int(part) for part in text.split(",") if part.strip())
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive sizes")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Options()
    parser.add_argument("--stored", type=_sizes, default=defaults.stored)
    parser.add_argument("--due", type=int, default=defaults.due)
    parser.add_argument("--repeat", type=int, default=defaults.repeat)
    parser.add_argument("--per-citizen", type=int, default=defaults.per_citizen)
    parser.add_argument("--fill-processes", type=int, default=defaults.fill_processes)
    parser.add_argument("--fill-threads", type=int, default=defaults.fill_threads)
    parser.add_argument("--pushes", type=int, default=defaults.pushes)
    parser.add_argument("--push-rounds", type=int, default=defaults.push_rounds)
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_LOG_DIR)
    parser.add_argument("--json-out", type=Path)
    arguments = parser.parse_args(argv)
    positive = ("due", "repeat", "per_citizen", "fill_processes", "fill_threads", "pushes")
    for name in (*positive, "push_rounds"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if arguments.due > min(arguments.stored):
        parser.error("--due must not exceed the smallest --stored size")
    options = Options(
        stored=arguments.stored,
        due=arguments.due,
        repeat=arguments.repeat,
        per_citizen=arguments.per_citizen,
        fill_processes=arguments.fill_processes,
        fill_threads=arguments.fill_threads,
        pushes=arguments.pushes,
        push_rounds=arguments.push_rounds,
    )
    summary = benchmark(options, arguments.log_dir)
    text = json.dumps(summary, indent=2)
    print(text)
    print(render_table(summary), file=sys.stderr)
    if arguments.json_out:
        arguments.json_out.parent.mkdir(parents=True, exist_ok=True)
        arguments.json_out.write_text(text + "\n", encoding="utf-8")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
