"""The citizen app's message use cases over the fakes: the inbox, opening a message,
marking it read; and their rules (paging, tokens, the read mark, link lifetime)."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

import pytest

from shared.config import (
    DEFAULT_ATTACHMENT_LINK_SECONDS,
    MAX_ATTACHMENT_LINK_SECONDS,
    InvalidSettingError,
    Settings,
)
from shared.domain.attachments import StoredAttachment
from shared.domain.errors import NotFoundError, StorageUnavailableError, ValidationError
from shared.domain.inbox_paging import (
    CONTINUATION_TOKEN_POINTER,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PAGE_SIZE_POINTER,
    PageRequest,
    continuation_token,
    page_request,
)
from shared.domain.message import Message, MessageStatus
from shared.domain.message_id import new_message_id
from shared.domain.read_mark import MessageChange, check_read_mark
from shared.domain.validation import parse_json_model
from shared.services import citizen_marks
from shared.services.citizen_inbox import citizen_inbox
from shared.services.citizen_message import open_message
from shared.services.service_directory import CachedServiceDirectory
from tests.builders import (
    FISCAL_CODE,
    MARKDOWN,
    OTHER_FISCAL_CODE,
    SUBJECT,
    a_message,
    a_service,
)
from tests.fakes import (
    FakeApiKeyRepository,
    FakeAttachmentStore,
    FakeClock,
    FakeMessageRepository,
    FakeServiceRepository,
)

LINK_LIFETIME = timedelta(seconds=MAX_ATTACHMENT_LINK_SECONDS)
SETTINGS = {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "COSMOS_ENDPOINT": "https://cosmos.example:443/",
    "COSMOS_KEY": "a2V5",
    "MESSAGES_QUEUE": "messages-created",
    "CITIZEN_HASH_KEY": "a-citizen-hash-key",
    "CALLBACK_SECRETS_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
}


class RacingMessageRepository(FakeMessageRepository):
    """Another writer changes the message just before each of the next `races` replaces."""

    def __init__(self, clock: FakeClock, races: int) -> None:
        super().__init__(clock)
        self.races = races

    def replace(self, message: Message) -> Message:
        if self.races > 0:
            self.races -= 1
            current = self.stored[(message.fiscal_code, message.id)]
            self._store(current.model_copy(update={"redeliveries": current.redeliveries + 1}))
        return super().replace(message)


class UnavailableMessageRepository(FakeMessageRepository):
    def replace(self, message: Message) -> Message:
        raise StorageUnavailableError("Cosmos DB answered 503")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def messages(clock):
    return FakeMessageRepository(clock)


@pytest.fixture
def services():
    repository = FakeServiceRepository()
    repository.add(a_service("svc-1", name="Anagrafe"))
    return repository


def _directory(services, clock):
    return CachedServiceDirectory(
        api_keys=FakeApiKeyRepository(), services=services, clock=clock, ttl=timedelta(seconds=10)
    )


@pytest.fixture
def directory(services, clock):
    return _directory(services, clock)


def _stored(messages, message_id):
    return messages.get(FISCAL_CODE, message_id)


@pytest.fixture
def attachments():
    return FakeAttachmentStore()


def _deliver(messages, clock, *, fiscal_code=FISCAL_CODE, status=MessageStatus.PROCESSED, **kw):
    """A message stored in the citizen's partition, created a second after the last one."""
    clock.advance(seconds=1)
    message = a_message(new_message_id(clock.now()), fiscal_code=fiscal_code, status=status, **kw)
    return messages.add(message)


def _with_attachment(messages, clock):
    stored = _deliver(messages, clock)
    attachment = StoredAttachment(
        id="1",
        name="bill.pdf",
        content_type="application/pdf",
        size=12,
        sha256="ab" * 32,
        blob_name=f"{stored.id}/0",
    )
    return messages.replace(stored.model_copy(update={"attachments": (attachment,)}))


def _inbox(messages, directory, clock, page=None):
    return citizen_inbox(
        FISCAL_CODE, page or PageRequest(), messages=messages, directory=directory, clock=clock
    )


def _open(message_id, messages, directory, attachments, clock):
    return open_message(
        FISCAL_CODE,
        message_id,
        messages=messages,
        directory=directory,
        attachments=attachments,
        clock=clock,
        link_lifetime=LINK_LIFETIME,
    )


def _read(message_id, messages, directory, attachments, clock):
    return open_message(
        FISCAL_CODE,
        message_id,
        read=True,
        messages=messages,
        directory=directory,
        attachments=attachments,
        clock=clock,
        link_lifetime=LINK_LIFETIME,
    )


# --- the inbox ---


def test_inbox_lists_processed_messages_newest_first_with_their_senders_name(
    messages, directory, clock
):
    ids = [_deliver(messages, clock).id for _ in range(3)]
    page = _inbox(messages, directory, clock)
    assert [item.message.id for item in page.items] == list(reversed(ids))
    assert {item.sender.name for item in page.items} == {"Anagrafe"}
    assert page.continuation_token is None


def test_inbox_leaves_out_messages_that_are_not_processed(messages, directory, clock):
    processed = _deliver(messages, clock)
    for status in (MessageStatus.ACCEPTED, MessageStatus.REJECTED, MessageStatus.FAILED):
        _deliver(messages, clock, status=status)
    _deliver(messages, clock, fiscal_code=OTHER_FISCAL_CODE)
    assert [item.message.id for item in _inbox(messages, directory, clock).items] == [processed.id]


@pytest.mark.parametrize(("count", "sizes"), [(5, [2, 2, 1]), (4, [2, 2]), (0, [0])])
def test_paging_with_the_token_visits_every_message_once_and_ends_without_a_token(
    messages, directory, clock, count, sizes
):
    # GIVEN `count` messages
    ids = [_deliver(messages, clock).id for _ in range(count)]
    # WHEN the inbox is read two at a time, following each page's token
    pages = [_inbox(messages, directory, clock, PageRequest(size=2))]
    while pages[-1].continuation_token is not None:
        token = pages[-1].continuation_token
        pages.append(_inbox(messages, directory, clock, page_request("2", token)))
    # THEN every message comes once, newest first, and the last page has no token
    assert [len(page.items) for page in pages] == sizes
    assert [item.message.id for page in pages for item in page.items] == list(reversed(ids))


def test_a_message_arriving_between_pages_does_not_shift_the_next_page(messages, directory, clock):
    ids = [_deliver(messages, clock).id for _ in range(3)]
    first = _inbox(messages, directory, clock, PageRequest(size=2))
    _deliver(messages, clock)  # newer than everything listed
    second = _inbox(messages, directory, clock, page_request("2", first.continuation_token))
    assert [item.message.id for item in second.items] == [ids[0]]


def test_listing_makes_messages_received_the_first_time_only(messages, directory, clock):
    message = _deliver(messages, clock)
    first_listing = clock.now()
    _inbox(messages, directory, clock)
    assert messages.get(FISCAL_CODE, message.id).received_at == first_listing
    version = messages.get(FISCAL_CODE, message.id).version
    clock.advance(minutes=5)
    _inbox(messages, directory, clock)
    again = messages.get(FISCAL_CODE, message.id)
    assert (again.received_at, again.version) == (first_listing, version)  # not written again


def test_a_sender_that_no_longer_exists_has_no_name(messages, directory, clock):
    _deliver(messages, clock, sender_service_id="svc-gone")
    assert _inbox(messages, directory, clock).items[0].sender is None


def test_inbox_of_a_malformed_fiscal_code_is_refused(messages, directory, clock):
    with pytest.raises(ValidationError) as caught:
        citizen_inbox(
            "NOTAFISCALCODE", PageRequest(), messages=messages, directory=directory, clock=clock
        )
    assert [error.pointer for error in caught.value.errors] == ["/fiscal_code"]


def test_listing_survives_another_writer_and_still_marks_received(directory, clock):
    messages = RacingMessageRepository(clock, races=1)
    message = _deliver(messages, clock)
    page = _inbox(messages, directory, clock)
    assert page.items[0].message.received_at == clock.now()
    stored = _stored(messages, message.id)
    assert (stored.received_at, stored.redeliveries) == (clock.now(), 1)  # both writes kept


def test_endless_races_never_fail_the_citizens_request(directory, clock):
    messages = RacingMessageRepository(clock, races=citizen_marks.MAX_ATTEMPTS)
    message = _deliver(messages, clock)
    page = _inbox(messages, directory, clock)
    assert [item.message.id for item in page.items] == [message.id]
    assert _stored(messages, message.id).received_at is None  # the next fetch retries


def test_an_unavailable_store_is_not_hidden(directory, clock):
    messages = UnavailableMessageRepository(clock)
    _deliver(messages, clock)
    with pytest.raises(StorageUnavailableError):
        _inbox(messages, directory, clock)


def test_service_look_ups_are_cached_for_their_ttl_misses_included(services, clock):
    directory = _directory(services, clock)
    assert directory.service("svc-1").name == "Anagrafe"
    assert directory.service("svc-new") is None
    services.replace(a_service("svc-1", name="Anagrafe centrale"))
    services.add(a_service("svc-new"))
    clock.advance(seconds=9)
    assert directory.service("svc-1").name == "Anagrafe"  # still cached
    assert directory.service("svc-new") is None
    clock.advance(seconds=1)
    assert directory.service("svc-1").name == "Anagrafe centrale"
    assert directory.service("svc-new") is not None


# --- page sizes and continuation tokens ---


def test_the_page_size_defaults_to_20_and_goes_up_to_100():
    assert page_request(None, None) == PageRequest(size=DEFAULT_PAGE_SIZE, before_id=None)
    assert DEFAULT_PAGE_SIZE == 20
    assert page_request(str(MAX_PAGE_SIZE), None).size == MAX_PAGE_SIZE == 100


@pytest.mark.parametrize("raw", ["0", "101", "-1", "ten", "", "2.5", "²"])
def test_a_bad_page_size_is_refused_pointing_at_it(raw):
    with pytest.raises(ValidationError) as caught:
        page_request(raw, None)
    assert [error.pointer for error in caught.value.errors] == [PAGE_SIZE_POINTER]


def test_a_token_reads_back_as_the_id_it_was_made_from():
    message_id = new_message_id(FakeClock().now())
    token = continuation_token(message_id)
    assert "=" not in token
    assert page_request(None, token).before_id == message_id


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a token",
        "!!!!",
        _b64("not-a-message-id"),
        _b64("01jcz0000000000000000000aa"),  # an id, but not as Postino writes them
        _b64("01JCZ0000000000000000000AA") + "=",  # padded: not a token this API gives
        "é",
    ],
)
def test_a_malformed_token_is_refused_pointing_at_it(token):
    with pytest.raises(ValidationError) as caught:
        page_request(None, token)
    assert [error.pointer for error in caught.value.errors] == [CONTINUATION_TOKEN_POINTER]
    assert CONTINUATION_TOKEN_POINTER == "/query/continuation_token"


def test_both_bad_parameters_are_named_at_once():
    with pytest.raises(ValidationError) as caught:
        page_request("1000", "garbage")
    pointers = [error.pointer for error in caught.value.errors]
    assert pointers == [PAGE_SIZE_POINTER, CONTINUATION_TOKEN_POINTER]


# --- opening a message ---


def test_opening_a_message_makes_it_received_once(messages, directory, attachments, clock):
    message = _deliver(messages, clock)
    opened_at = clock.now()
    opened = _open(message.id, messages, directory, attachments, clock)
    assert opened.message.received_at == opened_at
    assert opened.sender.name == "Anagrafe"
    clock.advance(hours=1)
    again = _open(message.id, messages, directory, attachments, clock)
    assert again.message.received_at == opened_at
    assert messages.get(FISCAL_CODE, message.id).received_at == opened_at


def test_attachment_links_work_for_the_link_lifetime_and_no_longer(
    messages, directory, attachments, clock
):
    # GIVEN a message with a stored attachment
    message = _with_attachment(messages, clock)
    attachments.blobs[f"{message.id}/0"] = b"%PDF-1.7 %%EOF"
    # WHEN the citizen opens it
    opened = _open(message.id, messages, directory, attachments, clock)
    # THEN each attachment has a link that expires 15 minutes on
    [link] = opened.links
    assert link.attachment.name == "bill.pdf"
    assert link.expires_at == clock.now() + timedelta(minutes=15)
    assert attachments.fetch(link.url, clock.now() + timedelta(minutes=14)) == b"%PDF-1.7 %%EOF"
    assert attachments.fetch(link.url, clock.now() + timedelta(minutes=15)) is None


def test_a_message_of_another_citizen_is_not_found(messages, directory, attachments, clock):
    theirs = _deliver(messages, clock, fiscal_code=OTHER_FISCAL_CODE)
    with pytest.raises(NotFoundError):
        _open(theirs.id, messages, directory, attachments, clock)
    with pytest.raises(NotFoundError):
        _read(theirs.id, messages, directory, attachments, clock)
    assert messages.get(OTHER_FISCAL_CODE, theirs.id).received_at is None


@pytest.mark.parametrize(
    "status", [MessageStatus.ACCEPTED, MessageStatus.REJECTED, MessageStatus.FAILED]
)
def test_a_message_not_processed_is_not_found(messages, directory, attachments, clock, status):
    message = _deliver(messages, clock, status=status)
    with pytest.raises(NotFoundError):
        _open(message.id, messages, directory, attachments, clock)
    with pytest.raises(NotFoundError):
        _read(message.id, messages, directory, attachments, clock)


@pytest.mark.parametrize("message_id", ["nope", "01JCZ0000000000000000000A?", "x" * 300])
def test_an_id_postino_never_gives_is_not_found(
    messages, directory, attachments, clock, message_id
):
    with pytest.raises(NotFoundError):
        _open(message_id, messages, directory, attachments, clock)


# --- marking read ---


def test_marking_read_sets_read_at_and_received_at(messages, directory, attachments, clock):
    message = _deliver(messages, clock)
    read = _read(message.id, messages, directory, attachments, clock)
    assert read.message.is_read
    assert read.message.read_at == read.message.received_at == clock.now()
    assert messages.get(FISCAL_CODE, message.id).read_at == clock.now()


def test_reading_keeps_the_first_received_at(messages, directory, attachments, clock):
    message = _deliver(messages, clock)
    received_at = clock.now()
    _open(message.id, messages, directory, attachments, clock)
    clock.advance(minutes=3)
    read = _read(message.id, messages, directory, attachments, clock)
    assert (read.message.received_at, read.message.read_at) == (received_at, clock.now())


def test_marking_read_again_changes_nothing(messages, directory, attachments, clock):
    message = _deliver(messages, clock)
    first = _read(message.id, messages, directory, attachments, clock)
    clock.advance(days=1)
    again = _read(message.id, messages, directory, attachments, clock)
    assert again.message.read_at == first.message.read_at
    assert again.message.version == first.message.version  # nothing written


def test_marking_read_survives_another_writer(directory, attachments, clock):
    messages = RacingMessageRepository(clock, races=2)
    message = _deliver(messages, clock)
    read = _read(message.id, messages, directory, attachments, clock)
    assert read.message.read_at == clock.now()
    assert _stored(messages, message.id).read_at == clock.now()


def parse_read_mark(body: bytes) -> None:
    """The body as the PATCH reads it: the model, then the rule."""
    check_read_mark(parse_json_model(MessageChange, body))


def test_the_read_mark_must_be_true():
    parse_read_mark(b'{"is_read": true}')
    parse_read_mark(b'{"is_read": true, "unknown": 1}')


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"is_read": false}', "irreversible"),
        (b"{}", "required"),
        (b'{"is_read": "true"}', "bool_type"),
        (b'{"is_read": 1}', "bool_type"),
        (b'{"is_read": null}', "bool_type"),
    ],
)
def test_a_read_mark_that_is_not_true_is_refused_pointing_at_is_read(body, code):
    with pytest.raises(ValidationError) as caught:
        parse_read_mark(body)
    [error] = caught.value.errors
    assert (error.pointer, error.code) == ("/is_read", code)


def test_unmarking_read_says_reading_cannot_be_undone():
    with pytest.raises(ValidationError) as caught:
        parse_read_mark(b'{"is_read": false}')
    assert "cannot be undone" in caught.value.errors[0].detail


# --- the link lifetime setting ---


def test_attachment_links_live_15_minutes_unless_set_shorter():
    assert Settings.from_env(SETTINGS).attachment_link_seconds == DEFAULT_ATTACHMENT_LINK_SECONDS
    assert DEFAULT_ATTACHMENT_LINK_SECONDS == MAX_ATTACHMENT_LINK_SECONDS == 900
    shorter = Settings.from_env({**SETTINGS, "ATTACHMENT_LINK_SECONDS": "60"})
    assert shorter.attachment_link_seconds == 60


@pytest.mark.parametrize("value", ["901", "0", "3600", "-5", "soon"])
def test_a_link_lifetime_over_15_minutes_or_under_a_second_fails_naming_it(value):
    with pytest.raises(InvalidSettingError, match="ATTACHMENT_LINK_SECONDS"):
        Settings.from_env({**SETTINGS, "ATTACHMENT_LINK_SECONDS": value})


def test_nothing_personal_reaches_the_log(messages, directory, attachments, clock, caplog):
    caplog.set_level(logging.DEBUG)
    message = _with_attachment(messages, clock)
    _inbox(messages, directory, clock)
    _open(message.id, messages, directory, attachments, clock)
    _read(message.id, messages, directory, attachments, clock)
    assert message.id in caplog.text
    for personal in (FISCAL_CODE, SUBJECT, MARKDOWN.strip(), "bill.pdf"):
        assert personal not in caplog.text
