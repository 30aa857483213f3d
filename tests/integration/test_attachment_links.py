"""The Blob attachment store against Azurite: its download links, followed over HTTP as a
browser would, how it uploads, and how its failures reach the use cases."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from azure.storage.blob import ContainerClient

from infra.local.emulators import free_port
from shared.adapters.blob_attachments import (
    SLICE_CHARS,
    AccountKeySigner,
    BlobAttachmentStore,
    account_key_from_connection_string,
    attachment_store,
    blob_container_client,
)
from shared.domain.attachments import attachment_blob_name
from shared.domain.errors import StorageUnavailableError
from shared.services.ports import AttachmentStore
from shared.storage_layout import BlobContainerName

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4\nanother file\n%%EOF\n"
TIMEOUT_SECONDS = 10


@pytest.fixture
def store(local_stack) -> AttachmentStore:
    """The app's store, in the provisioned attachments container."""
    return attachment_store(local_stack.storage)


@pytest.fixture
def message_id() -> str:
    return f"01JLINK{uuid.uuid4().hex[:12].upper()}"


def _in(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def test_the_attachments_container_is_provisioned_private(local_stack):
    container = blob_container_client(local_stack.storage, BlobContainerName.ATTACHMENTS)
    assert container.get_container_properties().public_access is None


def test_a_plain_get_of_the_link_downloads_the_pdf(store, message_id):
    # GIVEN a stored attachment and its link
    name = attachment_blob_name(message_id, 0)
    store.put(name, base64.b64encode(PDF).decode("ascii"))
    url = store.download_url(name, expires_at=_in(10))
    # WHEN someone without any credential follows it
    response = requests.get(url, timeout=TIMEOUT_SECONDS)
    # THEN they get the file, as a PDF
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content == PDF


def test_the_blob_is_not_readable_without_the_link(store, message_id):
    name = attachment_blob_name(message_id, 0)
    store.put(name, base64.b64encode(PDF).decode("ascii"))
    url = store.download_url(name, expires_at=_in(10))
    response = requests.get(url.split("?", 1)[0], timeout=TIMEOUT_SECONDS)
    assert response.status_code in {403, 404}  # Azure answers 404 for private containers


def test_the_link_does_not_allow_writing(store, message_id):
    # GIVEN a link to a stored attachment
    name = attachment_blob_name(message_id, 0)
    store.put(name, base64.b64encode(PDF).decode("ascii"))
    url = store.download_url(name, expires_at=_in(10))
    # WHEN someone tries to upload through it
    response = requests.put(
        url,
        data=OTHER_PDF,
        headers={"x-ms-blob-type": "BlockBlob", "Content-Type": "application/pdf"},
        timeout=TIMEOUT_SECONDS,
    )
    # THEN it is refused and the attachment is unchanged
    assert response.status_code == 403
    assert store.read(name) == PDF


def test_the_link_of_one_blob_does_not_open_another(store, message_id):
    # GIVEN two attachments of a message, and the link of the first
    first, second = (attachment_blob_name(message_id, index) for index in (0, 1))
    store.put(first, base64.b64encode(PDF).decode("ascii"))
    store.put(second, base64.b64encode(OTHER_PDF).decode("ascii"))
    url = store.download_url(first, expires_at=_in(10))
    assert f"/{first}?" in url
    # WHEN its path is changed to the second blob
    response = requests.get(url.replace(f"/{first}?", f"/{second}?"), timeout=TIMEOUT_SECONDS)
    # THEN the signature does not cover it
    assert response.status_code == 403


def test_an_expired_link_is_refused(store, message_id):
    # GIVEN a link whose expiry has passed
    name = attachment_blob_name(message_id, 0)
    store.put(name, base64.b64encode(PDF).decode("ascii"))
    url = store.download_url(name, expires_at=_in(-5))
    # WHEN it is followed
    response = requests.get(url, timeout=TIMEOUT_SECONDS)
    # THEN the service refuses it
    assert response.status_code == 403


def test_a_named_link_downloads_under_the_sanitised_name(store, message_id):
    # GIVEN a stored attachment and its link, named with accents, markup and quotes
    name = attachment_blob_name(message_id, 0)
    store.put(name, base64.b64encode(PDF).decode("ascii"))
    url = store.download_url(
        name, expires_at=_in(10), file_name='Carta d\'identità "<b>2026</b>".pdf'
    )
    # WHEN it is followed
    response = requests.get(url, timeout=TIMEOUT_SECONDS)
    # THEN the blob service answers with the name to save it under: sanitised, in UTF-8,
    # with an ASCII fallback
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Carta d\'identita 2026.pdf"; '
        "filename*=UTF-8''Carta%20d%27identit%C3%A0%202026.pdf"
    )


def test_the_name_a_link_carries_is_signed(store, message_id):
    # GIVEN a named link
    name = attachment_blob_name(message_id, 0)
    store.put(name, base64.b64encode(PDF).decode("ascii"))
    url = store.download_url(name, expires_at=_in(10), file_name="avviso.pdf")
    assert "rscd=" in url
    # WHEN its name is changed (to make the browser save it as something else)
    forged = re.sub(r"rscd=[^&]*", "rscd=attachment%3B%20filename%3Dx.exe", url)
    # THEN the signature does not cover it
    assert requests.get(forged, timeout=TIMEOUT_SECONDS).status_code == 403


def test_a_large_attachment_is_stored_as_one_block_per_slice(local_stack, store, message_id):
    # GIVEN a file whose base64 text spans two full slices and a short one
    slice_bytes = SLICE_CHARS // 4 * 3
    data = b"%PDF-1.7\n" + b"\x00" * (2 * slice_bytes + 100) + b"\n%%EOF\n"
    name = attachment_blob_name(message_id, 0)
    # WHEN it is stored
    store.put(name, base64.b64encode(data).decode("ascii"))
    # THEN it was uploaded a slice at a time, and is served as a PDF
    blob = blob_container_client(
        local_stack.storage, BlobContainerName.ATTACHMENTS
    ).get_blob_client(name)
    committed, _ = blob.get_block_list("committed")
    assert [block.size for block in committed] == [
        slice_bytes,
        slice_bytes,
        len(data) % slice_bytes,
    ]
    assert blob.get_blob_properties().content_settings.content_type == "application/pdf"


def _store_in(connection_string: str, container_name: str) -> BlobAttachmentStore:
    # No retries: the failure is what is under test.
    container = ContainerClient.from_connection_string(
        connection_string, container_name, retry_total=0
    )
    signer = AccountKeySigner(account_key_from_connection_string(connection_string))
    return BlobAttachmentStore(container, signer=signer)


def test_a_missing_container_is_a_storage_outage(local_stack):
    store = _store_in(local_stack.storage_connection_string, "no-such-container")
    name = attachment_blob_name("01JMISSING", 0)
    with pytest.raises(StorageUnavailableError):
        store.put(name, base64.b64encode(PDF).decode("ascii"))
    with pytest.raises(StorageUnavailableError):
        store.read(name)
    with pytest.raises(StorageUnavailableError):
        store.delete_for("01JMISSING")


def test_unreachable_blob_storage_is_a_storage_outage(local_stack):
    # GIVEN the connection string of an account that no one serves
    port = local_stack.endpoints.blob_port
    unreachable = local_stack.storage_connection_string.replace(f":{port}/", f":{free_port()}/")
    store = _store_in(unreachable, BlobContainerName.ATTACHMENTS)
    # WHEN the store is used THEN it reports an outage the caller may retry
    with pytest.raises(StorageUnavailableError):
        store.put(attachment_blob_name("01JOFFLINE", 0), base64.b64encode(PDF).decode("ascii"))
    with pytest.raises(StorageUnavailableError):
        store.read(attachment_blob_name("01JOFFLINE", 0))
