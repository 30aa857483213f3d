"""Create the database, containers, queues and blob containers of the storage layout; safe
to run repeatedly.

Provisioning is for what is reached with keys: the local emulators. In Azure the templates
create every resource, and the app's identity could not create the Cosmos DB ones anyway
(data-plane roles read and write items; they cannot create databases or containers), so
each part reached with an identity is skipped, with a log line saying so.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.cosmos import PartitionKey

from shared.adapters.blob_attachments import blob_container_client
from shared.adapters.cosmos_client import cosmos_client
from shared.adapters.queues import queue_client
from shared.config import Settings, StorageAccess, StorageIdentity
from shared.storage_layout import StorageLayout, storage_layout

logger = logging.getLogger(__name__)


def provision(settings: Settings, layout: StorageLayout | None = None) -> None:
    """Make sure every database, container, queue and blob container of the layout exists
    (blob containers private: no anonymous access); skip, and log, the parts the settings
    reach with an identity rather than a key."""
    layout = layout or storage_layout()
    if settings.cosmos_key is None:
        logger.info(
            "not provisioning Cosmos DB database %s: it is reached with an identity, which "
            "cannot create databases or containers; the Azure templates create them",
            layout.database,
        )
    else:
        _provision_cosmos(settings, layout)
    if isinstance(settings.storage, StorageIdentity):
        logger.info(
            "not provisioning queues and blob containers: storage is reached with an "
            "identity; the Azure templates create them"
        )
    else:
        _provision_storage(settings.storage, layout)


def _provision_cosmos(settings: Settings, layout: StorageLayout) -> None:
    client = cosmos_client(
        settings.cosmos_endpoint, settings.cosmos_key, verify_tls=settings.cosmos_verify_tls
    )
    database = client.create_database_if_not_exists(layout.database)
    for spec in layout.containers:
        container = database.create_container_if_not_exists(
            id=spec.name,
            partition_key=PartitionKey(path=spec.partition_key),
            indexing_policy=spec.indexing_policy,
            default_ttl=spec.default_ttl,
        )
        stored = container.read().get("indexingPolicy", {})
        if _paths(stored) != _paths(spec.indexing_policy):
            # A container made by an older layout: its index is brought up to date (Cosmos
            # re-indexes online), as the Azure templates do on a deployment.
            database.replace_container(
                container,
                partition_key=PartitionKey(path=spec.partition_key),
                indexing_policy=spec.indexing_policy,
                default_ttl=spec.default_ttl,
            )
            logger.info("updated the indexing policy of container %s", spec.name)
    logger.info(
        "provisioned database %s with %d containers", layout.database, len(layout.containers)
    )


def _paths(policy: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """The included and excluded paths of an indexing policy (what the layout sets)."""
    return (
        {item["path"] for item in policy.get("includedPaths", [])},
        {item["path"] for item in policy.get("excludedPaths", [])} - {'/"_etag"/?'},
    )


def _provision_storage(storage: StorageAccess, layout: StorageLayout) -> None:
    for name in layout.queues:
        with contextlib.suppress(ResourceExistsError):
            queue_client(storage, name).create_queue()
    for name in layout.blob_containers:
        with contextlib.suppress(ResourceExistsError):
            blob_container_client(storage, name).create_container(public_access=None)
    logger.info(
        "provisioned %d queues and %d blob containers",
        len(layout.queues),
        len(layout.blob_containers),
    )
