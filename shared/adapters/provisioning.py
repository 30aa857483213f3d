"""Create the database, containers, queues and blob containers of the storage layout; safe
to run repeatedly."""

from __future__ import annotations

import contextlib
import logging

from azure.core.exceptions import ResourceExistsError
from azure.cosmos import PartitionKey

from shared.adapters.blob_attachments import blob_container_client
from shared.adapters.cosmos_client import cosmos_client
from shared.adapters.queues import queue_client
from shared.config import Settings
from shared.storage_layout import StorageLayout, storage_layout

logger = logging.getLogger(__name__)


def provision(settings: Settings, layout: StorageLayout | None = None) -> None:
    """Make sure every database, container, queue and blob container of the layout exists
    (blob containers private: no anonymous access)."""
    layout = layout or storage_layout()
    client = cosmos_client(
        settings.cosmos_endpoint, settings.cosmos_key, verify_tls=settings.cosmos_verify_tls
    )
    database = client.create_database_if_not_exists(layout.database)
    for spec in layout.containers:
        database.create_container_if_not_exists(
            id=spec.name,
            partition_key=PartitionKey(path=spec.partition_key),
            indexing_policy=spec.indexing_policy,
            default_ttl=spec.default_ttl,
        )
    for name in layout.queues:
        with contextlib.suppress(ResourceExistsError):
            queue_client(settings.storage_connection, name).create_queue()
    for name in layout.blob_containers:
        with contextlib.suppress(ResourceExistsError):
            blob_container_client(settings.storage_connection, name).create_container(
                public_access=None
            )
    logger.info(
        "provisioned database %s, %d containers, %d queues, %d blob containers",
        layout.database,
        len(layout.containers),
        len(layout.queues),
        len(layout.blob_containers),
    )
