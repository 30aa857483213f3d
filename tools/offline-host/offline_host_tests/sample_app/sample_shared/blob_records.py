"""Write a small JSON record to blob storage, so tests can see what a function did."""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobServiceClient


def record(name: str, document: dict[str, Any]) -> None:
    """Store ``document`` as blob ``name`` in the container named by SAMPLE_BLOB_CONTAINER."""
    service = BlobServiceClient.from_connection_string(os.environ["AzureWebJobsStorage"])  # noqa: SIM112 - its real name
    container = service.get_container_client(os.environ["SAMPLE_BLOB_CONTAINER"])
    with contextlib.suppress(ResourceExistsError):
        container.create_container()
    container.upload_blob(name, json.dumps(document), overwrite=True)
