"""The AttachmentStore contract, for the fake and for a private Azurite Blob container."""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.adapters.blob_attachments import SLICE_CHARS
from shared.domain.attachments import attachment_blob_name

MIB = 1024 * 1024


def _pdf(size: int, seed: int = 0) -> bytes:
    """A PDF-shaped file of exactly `size` bytes with incompressible filler."""
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + random.Random(seed).randbytes(size - len(head) - len(tail)) + tail


@pytest.mark.parametrize(
    "size",
    [
        1025,  # one short slice, base64 padded with "=="
        SLICE_CHARS // 4 * 3,  # exactly one full slice
        9 * MIB + 2,  # three slices, the last one short and padded
    ],
    ids=["small", "one-slice", "multi-slice"],
)
def test_put_then_read_gives_the_same_bytes_with_their_size_and_sha256(attachment_store, size):
    # GIVEN a PDF as an institution sends it, in base64
    data = _pdf(size)
    name = attachment_blob_name("01JCONTRACTPUT", 0)
    # WHEN it is stored
    stored = attachment_store.put(name, base64.b64encode(data).decode("ascii"))
    # THEN the store measured it right and gives back the very same bytes
    assert stored.size == len(data) == size
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment_store.read(name) == data


def test_putting_the_same_name_twice_leaves_one_blob_with_the_second_content(attachment_store):
    # GIVEN a blob stored at a name, bigger than the one that replaces it
    name = attachment_blob_name("01JCONTRACTTWICE", 0)
    attachment_store.put(name, base64.b64encode(_pdf(5 * MIB, seed=1)).decode("ascii"))
    # WHEN another file is stored at the same name (a retried acceptance)
    second = _pdf(2048, seed=2)
    stored = attachment_store.put(name, base64.b64encode(second).decode("ascii"))
    # THEN the name holds the second file only, and there is one blob for the message
    assert stored.size == len(second)
    assert attachment_store.read(name) == second
    assert attachment_store.delete_for("01JCONTRACTTWICE") == 1


def test_delete_for_removes_that_messages_blobs_and_only_those(attachment_store):
    # GIVEN two attachments of a message, and attachments of messages whose ids share its start
    kept_names = [attachment_blob_name("01JCONTRACTDEL0", 0), attachment_blob_name("01JOTHER", 0)]
    doomed_names = [attachment_blob_name("01JCONTRACTDEL", index) for index in (0, 1)]
    for name in kept_names + doomed_names:
        attachment_store.put(name, base64.b64encode(_pdf(1024)).decode("ascii"))
    # WHEN the message's attachments are deleted
    deleted = attachment_store.delete_for("01JCONTRACTDEL")
    # THEN both are gone, the others remain, and deleting again finds nothing
    assert deleted == 2
    assert [attachment_store.read(name) for name in doomed_names] == [None, None]
    assert all(attachment_store.read(name) == _pdf(1024) for name in kept_names)
    assert attachment_store.delete_for("01JCONTRACTDEL") == 0


def test_delete_for_a_message_without_attachments_returns_zero(attachment_store):
    assert attachment_store.delete_for("01JNOATTACHMENTS") == 0


def test_read_of_a_missing_name_is_none(attachment_store):
    assert attachment_store.read(attachment_blob_name("01JNEVERSTORED", 0)) is None


def test_a_named_link_carries_the_sanitised_name_as_its_downloads_disposition(attachment_store):
    # GIVEN a stored attachment
    name = attachment_blob_name("01JCONTRACTNAMED", 0)
    attachment_store.put(name, base64.b64encode(_pdf(2048)).decode("ascii"))
    expires_at = datetime.now(UTC) + timedelta(minutes=5)
    # WHEN links to it are made with and without a file name
    named = attachment_store.download_url(name, expires_at=expires_at, file_name="<i>Avviso</i>")
    plain = attachment_store.download_url(name, expires_at=expires_at)
    # THEN the named one tells the download's Content-Disposition (a SAS's `rscd`), the
    # name sanitised; the other leaves the blob's own
    assert parse_qs(urlsplit(named).query)["rscd"] == [
        "attachment; filename=\"Avviso.pdf\"; filename*=UTF-8''Avviso.pdf"
    ]
    assert "rscd" not in parse_qs(urlsplit(plain).query)
