"""Build the real adapters once per worker process and hand them to the entry points."""

from __future__ import annotations

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
from shared.adapters.cosmos_services import CosmosApiKeyRepository, CosmosServiceRepository
from shared.adapters.queues import (
    StorageMessageQueue,
    StoragePoisonQueue,
    poison_queue_name,
    queue_client,
)
from shared.adapters.system_clock import SystemClock
from shared.config import Settings
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
    ServiceRepository,
    WindowCounter,
)
from shared.services.rate_limiting import RateLimiter
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


def build_app(settings: Settings) -> App:
    client = cosmos_client(
        settings.cosmos_endpoint, settings.cosmos_key, verify_tls=settings.cosmos_verify_tls
    )
    database = client.get_database_client(storage_layout().database)
    clock = SystemClock()
    rate_counter = CosmosWindowCounter(database.get_container_client(ContainerName.RATE_LIMITS))
    services = CosmosServiceRepository(database.get_container_client(ContainerName.SERVICES))
    api_keys = CosmosApiKeyRepository(database.get_container_client(ContainerName.API_KEYS))
    return App(
        settings=settings,
        messages=CosmosMessageRepository(database.get_container_client(ContainerName.MESSAGES)),
        profiles=CosmosProfileRepository(database.get_container_client(ContainerName.PROFILES)),
        services=services,
        api_keys=api_keys,
        queue=StorageMessageQueue(
            queue_client(settings.storage_connection, settings.messages_queue)
        ),
        poison=StoragePoisonQueue(
            queue_client(settings.storage_connection, poison_queue_name(settings.messages_queue))
        ),
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
        attachments=attachment_store(settings.storage_connection),
    )


@cache
def app() -> App:
    """The process-wide App, built on first use from the environment's settings."""
    return build_app(Settings.from_env())
