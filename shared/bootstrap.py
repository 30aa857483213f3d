"""Build the real adapters once per worker process and hand them to the entry points."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from shared.adapters.blob_attachments import attachment_store
from shared.adapters.callback_http import HttpCallbackSender
from shared.adapters.cosmos_client import cosmos_client
from shared.adapters.cosmos_dead_events import CosmosDeadEventStore
from shared.adapters.cosmos_erasures import CosmosErasureLog
from shared.adapters.cosmos_idempotency import CosmosIdempotencyStore
from shared.adapters.cosmos_messages import CosmosMessageRepository
from shared.adapters.cosmos_notice_watches import CosmosNoticeWatches
from shared.adapters.cosmos_payments import CosmosPaymentRepository
from shared.adapters.cosmos_profiles import CosmosProfileRepository
from shared.adapters.cosmos_rate_counter import CosmosWindowCounter
from shared.adapters.cosmos_reminder_claims import CosmosReminderClaims
from shared.adapters.cosmos_reminder_schedule import CosmosReminderSchedule
from shared.adapters.cosmos_service_messages import CosmosServiceMessageIndex
from shared.adapters.cosmos_services import CosmosApiKeyRepository, CosmosServiceRepository
from shared.adapters.event_queue import StorageEventQueue
from shared.adapters.push_selection import select_push_sender
from shared.adapters.queues import (
    StorageMessageQueue,
    StoragePoisonQueue,
    poison_queue_name,
    queue_client,
)
from shared.adapters.reminder_work_queue import StorageReminderWork
from shared.adapters.secret_box import SecretBox
from shared.adapters.system_clock import SystemClock
from shared.config import Settings, reminder_policy
from shared.domain.events import EventTiming
from shared.domain.reminders import ReminderPolicy, new_message_push_not_before
from shared.services.dispatch_event import DispatchPorts
from shared.services.key_usage import KeyUsageRecorder
from shared.services.message_events import EventOutbox
from shared.services.ports import (
    ApiKeyRepository,
    AttachmentStore,
    CallbackSender,
    Clock,
    DeadEventStore,
    ErasureLog,
    EventQueue,
    IdempotencyStore,
    MessageQueue,
    MessageRepository,
    NoticeWatches,
    PaymentRepository,
    PoisonQueue,
    ProfileRepository,
    PushSender,
    QueueDepth,
    ReminderClaims,
    ReminderSchedule,
    ReminderWork,
    SecretOpener,
    ServiceMessageIndex,
    ServiceRepository,
    WindowCounter,
)
from shared.services.rate_limiting import RateLimiter
from shared.services.send_reminders import ReminderPlanner, ReminderPorts
from shared.services.service_directory import CachedServiceDirectory
from shared.storage_layout import ContainerName, QueueName, storage_layout

# A claim on an event outlives the longest delivery (a callback: 10 s in all).
MIN_CLAIM_LEASE = timedelta(seconds=15)


@dataclass(frozen=True)
class App:
    """The ports, wired to real adapters."""

    settings: Settings
    messages: MessageRepository
    profiles: ProfileRepository
    services: ServiceRepository
    api_keys: ApiKeyRepository
    queue: MessageQueue
    poison: PoisonQueue
    idempotency: IdempotencyStore
    payments: PaymentRepository
    rate_counter: WindowCounter
    rate_limiter: RateLimiter
    directory: CachedServiceDirectory
    clock: Clock
    attachments: AttachmentStore
    push: PushSender
    schedule: ReminderSchedule
    reminder_work: ReminderWork
    claims: ReminderClaims
    reminder_policy: ReminderPolicy
    events: EventQueue
    dead_events: DeadEventStore
    callbacks: CallbackSender
    secrets: SecretOpener
    watches: NoticeWatches
    # The poison queue's size, for the metrics (None: not measured).
    poison_depth: QueueDepth | None = None
    # Where citizens' erasures are recorded (None: not wired, erasure refuses to run).
    erasures: ErasureLog | None = None
    # Each service's index of its messages (None: not kept; listing it is a 503).
    message_index: ServiceMessageIndex | None = None
    # Who claims events in this worker process.
    holder: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def event_timing(self) -> EventTiming:
        grace = timedelta(seconds=max(self.settings.event_relay_grace_seconds, 1))
        return EventTiming(
            relay_grace=grace,
            # Above the longest delivery (10 s), whatever the grace.
            claim_lease=max(grace, MIN_CLAIM_LEASE),
            first_retry=timedelta(seconds=max(self.settings.event_first_retry_seconds, 1)),
            callback_deadline=timedelta(seconds=max(self.settings.callback_retry_seconds, 1)),
        )

    def event_outbox(self) -> EventOutbox:
        policy = self.reminder_policy
        return EventOutbox(
            directory=self.directory,
            queue=self.events,
            push_not_before=lambda now: new_message_push_not_before(now, policy),
            timing=self.event_timing,
            payments=self.payments,
            watches=self.watches,
            dispatcher=self.dispatch_ports(),
        )

    def dispatch_ports(self) -> DispatchPorts:
        return DispatchPorts(
            messages=self.messages,
            profiles=self.profiles,
            directory=self.directory,
            push=self.push,
            callbacks=self.callbacks,
            secrets=self.secrets,
            dead_events=self.dead_events,
            queue=self.events,
            clock=self.clock,
            hash_key=self.settings.citizen_hash_key,
            holder=self.holder,
            timing=self.event_timing,
            index=self.message_index,
        )

    def reminder_planner(self) -> ReminderPlanner:
        return ReminderPlanner(schedule=self.schedule, policy=self.reminder_policy)

    def reminder_ports(self) -> ReminderPorts:
        return ReminderPorts(
            schedule=self.schedule,
            claims=self.claims,
            messages=self.messages,
            profiles=self.profiles,
            payments=self.payments,
            directory=self.directory,
            push=self.push,
            counter=self.rate_counter,
            clock=self.clock,
            index=self.message_index,
        )


def build_app(settings: Settings, reminder_policy: ReminderPolicy | None = None) -> App:
    client = cosmos_client(
        settings.cosmos_endpoint, settings.cosmos_key, verify_tls=settings.cosmos_verify_tls
    )
    database = client.get_database_client(storage_layout().database)
    clock = SystemClock()
    rate_counter = CosmosWindowCounter(database.get_container_client(ContainerName.RATE_LIMITS))
    services = CosmosServiceRepository(database.get_container_client(ContainerName.SERVICES))
    api_keys = CosmosApiKeyRepository(database.get_container_client(ContainerName.API_KEYS))
    poison = StoragePoisonQueue(
        queue_client(settings.storage, poison_queue_name(settings.messages_queue))
    )
    return App(
        settings=settings,
        messages=CosmosMessageRepository(database.get_container_client(ContainerName.MESSAGES)),
        profiles=CosmosProfileRepository(database.get_container_client(ContainerName.PROFILES)),
        services=services,
        api_keys=api_keys,
        queue=StorageMessageQueue(queue_client(settings.storage, settings.messages_queue)),
        poison=poison,
        idempotency=CosmosIdempotencyStore(
            database.get_container_client(ContainerName.IDEMPOTENCY),
            # At least as long as the shortest-lived message (a rejected one) is kept.
            ttl_seconds=settings.rejected_retention_seconds,
        ),
        payments=CosmosPaymentRepository(database.get_container_client(ContainerName.PAYMENTS)),
        rate_counter=rate_counter,
        rate_limiter=RateLimiter(counter=rate_counter, clock=clock),
        directory=CachedServiceDirectory(
            api_keys=api_keys,
            services=services,
            clock=clock,
            ttl=timedelta(seconds=settings.service_cache_ttl_seconds),
            usage=KeyUsageRecorder(api_keys=api_keys),
        ),
        clock=clock,
        attachments=attachment_store(settings.storage),
        push=select_push_sender(settings, clock=clock),
        schedule=CosmosReminderSchedule(
            database.get_container_client(ContainerName.REMINDER_SCHEDULE),
            shards=settings.reminder_shards,
        ),
        reminder_work=StorageReminderWork(
            queue_client(settings.storage, QueueName.REMINDER_PARTITIONS)
        ),
        claims=CosmosReminderClaims(database.get_container_client(ContainerName.REMINDER_CLAIMS)),
        reminder_policy=reminder_policy or ReminderPolicy(),
        events=StorageEventQueue(queue_client(settings.storage, QueueName.EVENTS)),
        dead_events=CosmosDeadEventStore(database.get_container_client(ContainerName.DEAD_EVENTS)),
        callbacks=HttpCallbackSender(
            allow_loopback_http=settings.callback_allow_loopback_http,
            receiver_concurrency=settings.callback_receiver_concurrency,
        ),
        secrets=_OnFirstUse(settings.callback_secrets_key),
        watches=CosmosNoticeWatches(database.get_container_client(ContainerName.NOTICE_WATCHES)),
        poison_depth=poison,
        message_index=CosmosServiceMessageIndex(
            database.get_container_client(ContainerName.SERVICE_MESSAGES)
        ),
        erasures=CosmosErasureLog(database.get_container_client(ContainerName.ERASURES)),
    )


class _OnFirstUse:
    """The callback secrets' box, built when first needed: a process that signs no callback
    (an operator command, a benchmark) never reads the key."""

    def __init__(self, key_text: str) -> None:
        self._key_text = key_text
        self._box: SecretBox | None = None

    def open(self, sealed: str, *, service_id: str) -> bytes:
        if self._box is None:
            self._box = SecretBox.from_setting(self._key_text)
        return self._box.open(sealed, service_id=service_id)


@cache
def app() -> App:
    """The process-wide App, built on first use from the environment's settings."""
    return build_app(Settings.from_env(), reminder_policy(os.environ))
