"""Opening a message: an attachment that malware scanning found malicious gets no link and
is reported unavailable; so, for the moment, does one whose scan result cannot be read."""

from __future__ import annotations

import base64
from datetime import timedelta

from shared.domain.attachments import MalwareScan, StoredAttachment
from shared.domain.errors import StorageUnavailableError
from shared.domain.message import MessageStatus
from shared.domain.message_id import new_message_id
from shared.services.citizen_message import OpenedMessage, Unavailable, open_message
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import FISCAL_CODE, a_message, a_pdf, a_service
from tests.fakes import (
    FakeApiKeyRepository,
    FakeAttachmentStore,
    FakeClock,
    FakeMessageRepository,
    FakeServiceRepository,
)


class UnreadableScans(FakeAttachmentStore):
    def scan_results_for(self, message_id: str) -> dict[str, MalwareScan]:
        raise StorageUnavailableError("Blob storage is unreachable")


def _open_with(store: FakeAttachmentStore, scans: list[MalwareScan | None]) -> OpenedMessage:
    """Deliver a message with one attachment per entry of `scans` (None: no scan result),
    stored in `store` with that result, and open it."""
    clock = FakeClock()
    messages = FakeMessageRepository(clock)
    services = FakeServiceRepository()
    services.add(a_service("svc-1"))
    message = a_message(new_message_id(clock.now()), status=MessageStatus.PROCESSED)
    stored = []
    for index, scan in enumerate(scans):
        blob_name = f"{message.id}/{index}"
        store.put(blob_name, base64.b64encode(a_pdf()).decode())
        if scan is not None:
            store.scans[blob_name] = scan
        stored.append(
            StoredAttachment(
                id=str(index),
                name=f"a{index}.pdf",
                content_type="application/pdf",
                size=1,
                sha256="ab" * 32,
                blob_name=blob_name,
            )
        )
    messages.add(message.model_copy(update={"attachments": tuple(stored)}))
    return open_message(
        FISCAL_CODE,
        message.id,
        messages=messages,
        directory=CachedServiceDirectory(
            api_keys=FakeApiKeyRepository(), services=services, clock=clock, ttl=timedelta(1)
        ),
        attachments=store,
        clock=clock,
        link_lifetime=timedelta(minutes=5),
    )


def test_a_malicious_attachment_gets_no_link_and_the_others_keep_theirs():
    # GIVEN a message whose second attachment malware scanning found malicious
    opened = _open_with(
        FakeAttachmentStore(), [MalwareScan.NO_THREATS, MalwareScan.MALICIOUS, None]
    )
    clean, malicious, unscanned = opened.links
    # THEN that one has no link and says why; the clean and the not yet scanned have theirs
    assert (malicious.url, malicious.expires_at, malicious.unavailable) == (
        None,
        None,
        Unavailable.MALWARE,
    )
    assert not malicious.available
    for link in (clean, unscanned):
        assert link.available
        assert link.url is not None
        assert link.expires_at is not None


def test_when_the_scan_results_cannot_be_read_no_link_is_given():
    opened = _open_with(UnreadableScans(), [MalwareScan.NO_THREATS])
    (link,) = opened.links
    assert (link.url, link.unavailable) == (None, Unavailable.NOT_CHECKED)


def test_each_link_saves_its_file_under_the_attachments_own_name():
    # GIVEN a message with two attachments, a0.pdf and a1.pdf, stored under blob names
    opened = _open_with(FakeAttachmentStore(), [MalwareScan.NO_THREATS, None])
    # THEN each link's download is named after its attachment, not its blob
    dispositions = []
    for link in opened.links:
        assert link.url is not None
        dispositions.append(FakeAttachmentStore.download_disposition(link.url))
    assert dispositions == [
        "attachment; filename=\"a0.pdf\"; filename*=UTF-8''a0.pdf",
        "attachment; filename=\"a1.pdf\"; filename*=UTF-8''a1.pdf",
    ]
