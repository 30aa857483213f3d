"""The attachments' bytes in a private Blob container, read-only links to download them,
and what malware scanning says of them.

An attachment arrives as base64 text of up to 10 MiB decoded, held in the request body. It
is decoded and uploaded a slice at a time (each slice one staged block, then one commit), so
a request never holds a whole decoded file, nor a second copy of its text.

Defender for Storage, where it is enabled on the container, scans each blob once written
and records its verdict in the blob's index tag SCAN_RESULT_TAG; the app reads it when a
citizen opens a message, and gives no link to a file found malicious.
"""

from __future__ import annotations

import binascii
import hashlib
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.blob import (
    BlobBlock,
    BlobSasPermissions,
    BlobServiceClient,
    ContainerClient,
    ContentSettings,
    LinearRetry,
    StorageErrorCode,
    UserDelegationKey,
    generate_blob_sas,
)

from shared.adapters.identity import app_credential
from shared.adapters.system_clock import SystemClock
from shared.adapters.transport import (
    BUDGETS,
    Endpoint,
    storage_client_options,
    storage_retry_options,
)
from shared.config import StorageAccess, StorageConnectionString
from shared.domain.attachments import PDF_CONTENT_TYPE, MalwareScan, StoredBytes
from shared.domain.base64_text import Base64Text
from shared.domain.download_name import attachment_disposition
from shared.domain.errors import StorageUnavailableError
from shared.services.ports import Clock
from shared.storage_layout import BlobContainerName

logger = logging.getLogger(__name__)

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

    def read_sas(
        self,
        container_name: str,
        blob_name: str,
        expires_at: datetime,
        content_disposition: str | None = None,
    ) -> str:
        """The SAS query string (without `?`) allowing only reads of this blob until
        `expires_at`; with `content_disposition`, a download answers with that header
        (the SAS's `rscd`)."""
        ...


class AccountKeySigner:
    """Signs links with the account's shared key: locally, Azurite's well-known key."""

    def __init__(self, account: AccountKey) -> None:
        self._account = account

    def read_sas(
        self,
        container_name: str,
        blob_name: str,
        expires_at: datetime,
        content_disposition: str | None = None,
    ) -> str:
        return generate_blob_sas(
            account_name=self._account.account_name,
            container_name=container_name,
            blob_name=blob_name,
            account_key=self._account.account_key,
            permission=BlobSasPermissions(read=True),
            # No start time: a server clock slightly behind ours would refuse a fresh link.
            expiry=expires_at,
            content_disposition=content_disposition,
        )


class DelegationKeySource(Protocol):
    """Where user delegation keys come from: BlobServiceClient, signed in with an identity."""

    def get_user_delegation_key(
        self, key_start_time: datetime, key_expiry_time: datetime
    ) -> UserDelegationKey: ...


# A key is asked for this long, and renewed once less than RENEW_BEFORE of it is left. Links
# live at most 15 minutes (shared.config), so a link signed with a key that is not yet due
# for renewal always expires before the key does.
DELEGATION_KEY_LIFETIME = timedelta(hours=1)
DELEGATION_KEY_RENEW_BEFORE = timedelta(minutes=20)
# The key's validity starts a little in the past: a server clock slightly behind ours would
# refuse a key (and every link it signs) that starts "now".
_DELEGATION_KEY_BACKDATE = timedelta(minutes=5)


@dataclass(frozen=True)
class _HeldKey:
    key: UserDelegationKey
    expires_at: datetime


def _whole_seconds(moment: datetime) -> datetime:
    # The service and the SAS carry whole seconds; comparing in whole seconds keeps
    # "the link expires no later than its key" true on the wire.
    return moment.astimezone(UTC).replace(microsecond=0)


class UserDelegationSigner:
    """Signs links with a user delegation key (in Azure: the app asks Entra ID, as its managed
    identity, for a short-lived key; no account key exists in the app).

    One key serves every link until it is due for renewal; a link never outlives the key that
    signed it. Raises StorageUnavailableError when no key can be had.
    """

    def __init__(
        self,
        keys: DelegationKeySource,
        *,
        account_name: str,
        clock: Clock,
        key_lifetime: timedelta = DELEGATION_KEY_LIFETIME,
        renew_before: timedelta = DELEGATION_KEY_RENEW_BEFORE,
    ) -> None:
        if renew_before >= key_lifetime:
            raise ValueError("a delegation key must be renewed before the end of its lifetime")
        self._keys = keys
        self._account_name = account_name
        self._clock = clock
        self._key_lifetime = key_lifetime
        self._renew_before = renew_before
        self._held: _HeldKey | None = None
        # Worker threads share the signer: one of them renews, the others wait for its key.
        self._lock = threading.Lock()

    def read_sas(
        self,
        container_name: str,
        blob_name: str,
        expires_at: datetime,
        content_disposition: str | None = None,
    ) -> str:
        return generate_blob_sas(
            account_name=self._account_name,
            container_name=container_name,
            blob_name=blob_name,
            user_delegation_key=self._key_for(_whole_seconds(expires_at)),
            permission=BlobSasPermissions(read=True),
            expiry=expires_at,
            content_disposition=content_disposition,
        )

    def _key_for(self, link_expires_at: datetime) -> UserDelegationKey:
        with self._lock:
            now = self._clock.now()
            held = self._held
            if held is None or not self._still_good(held, now, link_expires_at):
                held = self._held = self._fresh_key(now)
            if link_expires_at > held.expires_at:
                raise ValueError("a download link may not outlive the key that signs it")
            return held.key

    def _still_good(self, held: _HeldKey, now: datetime, link_expires_at: datetime) -> bool:
        return held.expires_at - now >= self._renew_before and link_expires_at <= held.expires_at

    def _fresh_key(self, now: datetime) -> _HeldKey:
        starts_at = _whole_seconds(now - _DELEGATION_KEY_BACKDATE)
        expires_at = _whole_seconds(now + self._key_lifetime)
        try:
            key = self._keys.get_user_delegation_key(starts_at, expires_at)
        except AzureError as exc:
            raise StorageUnavailableError(
                "no user delegation key to sign attachment links with"
            ) from exc
        logger.info("new user delegation key for attachment links, valid until %s", expires_at)
        return _HeldKey(key=key, expires_at=expires_at)


def blob_service_client(storage: StorageAccess) -> BlobServiceClient:
    """The account's Blob service: the one place blob clients are built, signed with the
    connection string's key or with the app's identity at the blob URI."""
    options: dict[str, Any] = {
        "retry_policy": LinearRetry(**storage_retry_options(BUDGETS[Endpoint.BLOB])),
        **storage_client_options(Endpoint.BLOB),
    }
    if isinstance(storage, StorageConnectionString):
        return BlobServiceClient.from_connection_string(storage.connection_string, **options)
    return BlobServiceClient(storage.blob_service_uri, credential=app_credential(), **options)


def blob_container_client(storage: StorageAccess, container_name: str) -> ContainerClient:
    """A client for one Blob container."""
    return blob_service_client(storage).get_container_client(container_name)


def attachment_store(storage: StorageAccess) -> BlobAttachmentStore:
    """The attachment store of the app, in the layout's attachments container; its links
    signed with the account key (a connection string) or a user delegation key (identity)."""
    service = blob_service_client(storage)
    signer: LinkSigner
    if isinstance(storage, StorageConnectionString):
        signer = AccountKeySigner(account_key_from_connection_string(storage.connection_string))
    else:
        signer = UserDelegationSigner(
            service, account_name=_account_name(service), clock=SystemClock()
        )
    return BlobAttachmentStore(
        service.get_container_client(BlobContainerName.ATTACHMENTS), signer=signer
    )


def _account_name(service: BlobServiceClient) -> str:
    # The SDK reads the account name from the URI's host (`<account>.blob.core.windows.net`).
    name: str | None = service.account_name
    if not name:
        raise ValueError("the blob service URI names no storage account")
    return name


# The blob index tag where Defender for Storage's malware scanning writes its verdict, and
# its two values (any other value, or no tag, is NOT_SCANNED).
SCAN_RESULT_TAG = "Malware Scanning scan result"
_SCAN_RESULTS = {"No threats found": MalwareScan.NO_THREATS, "Malicious": MalwareScan.MALICIOUS}


def malware_scan_of(tags: Mapping[str, str] | None) -> MalwareScan:
    """The verdict a blob's index tags hold."""
    verdict = (tags or {}).get(SCAN_RESULT_TAG)
    return _SCAN_RESULTS.get(verdict or "", MalwareScan.NOT_SCANNED)


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

    def put(self, blob_name: str, base64_content: str | Base64Text) -> StoredBytes:
        blob = self._container.get_blob_client(blob_name)
        digest = hashlib.sha256()
        size = 0
        blocks: list[BlobBlock] = []
        with _domain_errors():
            # Each slice of text is the body's own bytes (or one slice of a str's).
            for text in Base64Text.of(base64_content).chunks(SLICE_CHARS):
                chunk = binascii.a2b_base64(text, strict_mode=True)
                # A str's slice is a copy (4 MiB): freed before the upload, so that only
                # the decoded bytes are held while they go out.
                del text
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

    def scan_results_for(self, message_id: str) -> dict[str, MalwareScan]:
        # One listing for all the message's attachments, with their index tags.
        with _domain_errors():
            return {
                properties.name: malware_scan_of(properties.tags)
                for properties in self._container.list_blobs(
                    name_starts_with=f"{message_id}/", include=["tags"]
                )
            }

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

    def download_url(
        self, blob_name: str, *, expires_at: datetime, file_name: str | None = None
    ) -> str:
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        # The SDK writes the datetime's fields as if they were UTC.
        sas = self._signer.read_sas(
            self._container.container_name,
            blob_name,
            expires_at.astimezone(UTC),
            None if file_name is None else attachment_disposition(file_name),
        )
        return f"{self._container.get_blob_client(blob_name).url}?{sas}"
