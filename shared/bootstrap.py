"""Build the real adapters once per worker process and hand them to the entry points."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from shared.adapters.blob_attachments import attachment_store
from shared.adapters.cosmos_client import cosmos_client
from shared.adapters.cosmos_idempotency import CosmosIdempotencyStore
from shared.adapters.cosmos_messages import CosmosMessageRepository
from shared.adapters.cosmos_payments import CosmosPaymentRepository
from shared.adapters.cosmos_profiles import CosmosProfileRepository
from shared.adapters.cosmos_rate_counter import CosmosWindowCounter
from shared.adapters.cosmos_reminder_claims import CosmosReminderClaims
from shared.adapters.cosmos_reminder_schedule import CosmosReminderSchedule
from shared.adapters.cosmos_services import CosmosApiKeyRepository, CosmosServiceRepository
from shared.adapters.push_selection import select_push_sender
from shared.adapters.queues import (
    StorageMessageQueue,
    StoragePoisonQueue,
    poison_queue_name,
    queue_client,
)
from shared.adapters.system_clock import SystemClock
from shared.config import Settings
from shared.domain.reminders import ReminderPolicy
from shared.reminder_settings import reminder_policy
from shared.services.ports import (
    ApiKeyRepository,
    AttachmentStore,
    Clock,
    IdempotencyStore,
    MessageQueue,
    MessageRepository,
    PaymentRepository,
    PoisonQueue,
    ProfileRepository,
    PushSender,
    QueueDepth,
    ReminderClaims,
    ReminderSchedule,
    ServiceRepository,
    WindowCounter,
)
from shared.services.rate_limiting import RateLimiter
from shared.services.send_reminders import ReminderPlanner, ReminderPorts
from shared.services.service_directory import CachedServiceDirectory
from shared.storage_layout import ContainerName, storage_layout


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
    claims: ReminderClaims
    reminder_policy: ReminderPolicy
    # The poison queue's size, for the metrics (None: not measured).
    poison_depth: QueueDepth | None = None

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
        ),
        clock=clock,
        attachments=attachment_store(settings.storage),
        push=select_push_sender(settings, clock=clock),
        schedule=CosmosReminderSchedule(
            database.get_container_client(ContainerName.REMINDER_SCHEDULE)
        ),
        claims=CosmosReminderClaims(database.get_container_client(ContainerName.REMINDER_CLAIMS)),
        reminder_policy=reminder_policy or ReminderPolicy(),
        poison_depth=poison,
    )


@cache
def app() -> App:
    """The process-wide App, built on first use from the environment's settings."""
    return build_app(Settings.from_env(), reminder_policy(os.environ))
