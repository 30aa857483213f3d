"""The attachments' bytes in a private Blob container, and read-only links to download them.

An attachment arrives as base64 text of up to 10 MiB decoded. It is decoded and uploaded a
slice at a time (each slice one staged block, then one commit), so a request never holds
a whole decoded file, nor a second copy of its text.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.blob import (
    BlobBlock,
    BlobSasPermissions,
    ContainerClient,
    ContentSettings,
    StorageErrorCode,
    generate_blob_sas,
)

from shared.domain.attachments import PDF_CONTENT_TYPE, StoredBytes
from shared.domain.errors import StorageUnavailableError
from shared.storage_layout import BlobContainerName

# About 4 MiB of text a slice; a multiple of 4 so each slice decodes on its own (3 MiB).
SLICE_CHARS = 4 * 1024 * 1024
# Block ids must all have the same length within a blob.
_BLOCK_ID_DIGITS = 6


@dataclass(frozen=True)
class AccountKey:
    """A storage account's name and shared key. The key is a secret: never log it."""

    account_name: str
    account_key: str

    def __repr__(self) -> str:
        return f"AccountKey(account_name={self.account_name!r}, account_key=<hidden>)"


def account_key_from_connection_string(connection_string: str) -> AccountKey:
    """The account name and key of a `Name=value;...` storage connection string.

    Raises ValueError naming what is missing (never echoing the string, which holds the key).
    """
    fields = dict(
        part.split("=", 1) for part in connection_string.split(";") if "=" in part.strip()
    )
    fields = {name.strip(): value.strip() for name, value in fields.items()}
    missing = [name for name in ("AccountName", "AccountKey") if not fields.get(name)]
    if missing:
        raise ValueError(f"the storage connection string has no {' or '.join(missing)}")
    return AccountKey(account_name=fields["AccountName"], account_key=fields["AccountKey"])


class LinkSigner(Protocol):
    """Signs a read-only SAS for one blob: the seam where the signing credential changes."""

    def read_sas(self, container_name: str, blob_name: str, expires_at: datetime) -> str:
        """The SAS query string (without `?`) allowing only reads of this blob until
        `expires_at`."""
        ...


class AccountKeySigner:
    """Signs links with the account's shared key (Azurite, and Azure until issue 6/7).

    In Azure, issue 6/7 replaces it with a signer that asks Entra ID for a user delegation
    key, so the app no longer needs the account key; BlobAttachmentStore does not change.
    """

    def __init__(self, account: AccountKey) -> None:
        self._account = account

    def read_sas(self, container_name: str, blob_name: str, expires_at: datetime) -> str:
        return generate_blob_sas(
            account_name=self._account.account_name,
            container_name=container_name,
            blob_name=blob_name,
            account_key=self._account.account_key,
            permission=BlobSasPermissions(read=True),
            # No start time: a server clock slightly behind ours would refuse a fresh link.
            expiry=expires_at,
        )


def blob_container_client(connection_string: str, container_name: str) -> ContainerClient:
    """A client for one Blob container: the one place blob clients are built."""
    return ContainerClient.from_connection_string(connection_string, container_name)


def attachment_store(connection_string: str) -> BlobAttachmentStore:
    """The attachment store of the app, in the layout's attachments container."""
    return BlobAttachmentStore(
        blob_container_client(connection_string, BlobContainerName.ATTACHMENTS),
        signer=AccountKeySigner(account_key_from_connection_string(connection_string)),
    )


@contextmanager
def _domain_errors() -> Iterator[None]:
    try:
        yield
    except ResourceNotFoundError as exc:
        raise StorageUnavailableError("the attachments container does not exist") from exc
    except AzureError as exc:
        raise StorageUnavailableError("Blob storage is unreachable") from exc


def _block_id(index: int) -> str:
    return f"{index:0{_BLOCK_ID_DIGITS}d}"


def _container_is_missing(exc: ResourceNotFoundError) -> bool:
    # The storage SDK adds error_code to the errors it raises; azure.core does not declare it.
    return getattr(exc, "error_code", None) == StorageErrorCode.CONTAINER_NOT_FOUND


class BlobAttachmentStore:
    """Attachments as block blobs of content type application/pdf in a private container."""

    def __init__(self, container: ContainerClient, *, signer: LinkSigner) -> None:
        self._container = container
        self._signer = signer

    def put(self, blob_name: str, base64_content: str) -> StoredBytes:
        blob = self._container.get_blob_client(blob_name)
        digest = hashlib.sha256()
        size = 0
        blocks: list[BlobBlock] = []
        with _domain_errors():
            for start in range(0, len(base64_content), SLICE_CHARS):
                # a2b_base64 reads ASCII text directly: no encoded copy of the slice.
                chunk = binascii.a2b_base64(
                    base64_content[start : start + SLICE_CHARS], strict_mode=True
                )
                digest.update(chunk)
                size += len(chunk)
                block = BlobBlock(block_id=_block_id(len(blocks)))
                blob.stage_block(block.id, chunk, length=len(chunk))
                blocks.append(block)
                # Freed before the next slice is decoded, so at most one is held.
                del chunk
            # Committing replaces whatever was at this name, including blocks a crashed
            # earlier attempt staged and never committed.
            blob.commit_block_list(
                blocks, content_settings=ContentSettings(content_type=PDF_CONTENT_TYPE)
            )
        return StoredBytes(size=size, sha256=digest.hexdigest())

    def read(self, blob_name: str) -> bytes | None:
        try:
            return self._container.download_blob(blob_name).readall()
        except ResourceNotFoundError as exc:
            if _container_is_missing(exc):
                raise StorageUnavailableError("the attachments container does not exist") from exc
            return None
        except AzureError as exc:
            raise StorageUnavailableError("Blob storage is unreachable") from exc

    def delete_for(self, message_id: str) -> int:
        deleted = 0
        with _domain_errors():
            for properties in self._container.list_blobs(name_starts_with=f"{message_id}/"):
                try:
                    self._container.delete_blob(properties.name)
                except ResourceNotFoundError as exc:
                    # Deleted meanwhile by a concurrent call: it is gone, as asked.
                    if _container_is_missing(exc):
                        raise
                    continue
                deleted += 1
        return deleted

    def download_url(self, blob_name: str, *, expires_at: datetime) -> str:
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        # The SDK writes the datetime's fields as if they were UTC.
        sas = self._signer.read_sas(
            self._container.container_name, blob_name, expires_at.astimezone(UTC)
        )
        return f"{self._container.get_blob_client(blob_name).url}?{sas}"
