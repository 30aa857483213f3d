"""The reminder benchmark's fixed moment and options, and one size on one stack: a schedule,
claims and push queue of its own, the due messages, and the ports a run uses."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from azure.core.exceptions import ResourceNotFoundError
from azure.cosmos import ContainerProxy, DatabaseProxy, PartitionKey

from bench.pipeline_stack import BenchStack, delete_queue, fresh_queue
from shared.adapters.cosmos_client import cosmos_client
from shared.adapters.cosmos_reminder_claims import CosmosReminderClaims
from shared.adapters.cosmos_reminder_schedule import CosmosReminderSchedule
from shared.bootstrap import App, build_app
from shared.config import DEFAULT_REMINDER_PARTITION_CONCURRENCY, Settings
from shared.domain.message import Message
from shared.domain.reminder_schedule import bucket_hour
from shared.domain.reminders import ReminderPolicy
from shared.services.ports import PushSender
from shared.services.send_reminders import ReminderPlanner, ReminderPorts
from shared.services.service_directory import CachedServiceDirectory
from shared.storage_layout import ContainerName, storage_layout

# 11:45 in Rome (CET): outside quiet hours. The due entries fall in 10:15-10:45 UTC.
RUN_AT = datetime(2026, 3, 10, 10, 45, tzinfo=UTC)
DUE_HOUR = bucket_hour(RUN_AT)
HASH_KEY = "bench-reminders-hash-key"
POLICY = ReminderPolicy()
# Filling is bound by the client's CPU (the SDK's work per request, under one GIL). Measured
# on the shared 2-core machine, 3,000-4,000 messages: one process 187-254/s whatever its
# threads (1, 2, 4, 8), 164/s with 16; two processes of one thread 408/s, of two 261/s;
# three or four processes no better than two.
DEFAULT_FILL_PROCESSES = 2
DEFAULT_FILL_THREADS = 1


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
    # The fanned-out run: threads taking partitions (instances, or a worker's threads), and
    # the reminders each partition works at once (REMINDER_PARTITION_CONCURRENCY).
    partition_workers: int = 4
    concurrency: int = DEFAULT_REMINDER_PARTITION_CONCURRENCY
    # The floor: the same storage calls and pushes, made with the bare SDK from this many
    # threads.
    floor_threads: int = 16


class FixedClock:
    """The run's clock: a fixed moment."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


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
    service_id: str = ""

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
            index=self.app.message_index,
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
        with contextlib.suppress(ResourceNotFoundError):  # made by the floor, if it ran
            delete_queue(stack, f"{push_queue}-floor")
        for name in (schedule.id, claims.id):
            database.delete_container(name)
