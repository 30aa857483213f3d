"""The SDK used plainly, for the benchmarks' floors and setup: Cosmos DB and queue clients
with the SDKs' own transport (requests), timeouts and retries, none of the app's
configuration (its direct wire, time budgets or circuit breakers). A floor measures what the
SDKs cost as anyone would use them; a loaded machine's slow answer to the benchmark never
trips the app's breakers."""

from __future__ import annotations

from azure.cosmos import CosmosClient, DatabaseProxy
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from shared.config import Settings, StorageConnectionString
from shared.storage_layout import storage_layout


def bare_database(settings: Settings) -> DatabaseProxy:
    """A new client of the app's database (with the emulator's own certificate): each its
    own connection pool."""
    if settings.cosmos_key is None:
        raise ValueError("the benchmarks reach the Cosmos DB emulator with its key")
    client = CosmosClient(
        settings.cosmos_endpoint,
        credential=settings.cosmos_key,
        connection_verify=settings.cosmos_verify_tls,
    )
    return client.get_database_client(storage_layout().database)


def bare_queue(settings: Settings, queue_name: str) -> QueueClient:
    """A new client of `queue_name`, base64 as the host reads and writes."""
    if not isinstance(settings.storage, StorageConnectionString):
        raise ValueError("the benchmarks reach Azurite with its connection string")
    return QueueClient.from_connection_string(
        settings.storage.connection_string,
        queue_name,
        message_encode_policy=TextBase64EncodePolicy(),
        message_decode_policy=TextBase64DecodePolicy(),
    )
