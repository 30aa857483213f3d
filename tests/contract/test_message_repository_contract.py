"""The MessageRepository contract, for the fake and for Cosmos DB."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.errors import AlreadyExistsError, ConcurrentUpdateError
from shared.domain.message import MessageStatus, RejectionReason
from shared.domain.message_id import new_message_id
from tests.builders import FISCAL_CODE, OTHER_FISCAL_CODE, a_message, random_fiscal_code

PROCESSED = MessageStatus.PROCESSED


def _new_id() -> str:
    return uuid.uuid4().hex


def test_added_message_reads_back_equal_with_a_version(message_repository):
    message = a_message(message_id=_new_id())
    stored = message_repository.add(message)
    assert stored.version
    read = message_repository.get(FISCAL_CODE, message.id)
    assert read.model_copy(update={"version": None}) == message
    assert read.version == stored.version


def test_get_of_unknown_message_is_none(message_repository):
    assert message_repository.get(FISCAL_CODE, _new_id()) is None


def test_message_is_only_found_in_its_recipients_partition(message_repository):
    message = message_repository.add(a_message(message_id=_new_id()))
    assert message_repository.get(OTHER_FISCAL_CODE, message.id) is None


def test_adding_the_same_id_twice_raises_already_exists(message_repository):
    message = a_message(message_id=_new_id())
    message_repository.add(message)
    with pytest.raises(AlreadyExistsError):
        message_repository.add(message)


def test_replace_with_current_version_stores_the_change_and_a_new_version(message_repository):
    stored = message_repository.add(a_message(message_id=_new_id()))
    processed = message_repository.replace(stored.processed(stored.created_at))
    assert processed.version != stored.version
    read = message_repository.get(FISCAL_CODE, stored.id)
    assert read.status is MessageStatus.PROCESSED
    assert read.processed_at == stored.created_at


def test_replace_with_a_stale_version_raises_and_keeps_the_first_change(message_repository):
    stored = message_repository.add(a_message(message_id=_new_id()))
    message_repository.replace(stored.processed(stored.created_at))
    with pytest.raises(ConcurrentUpdateError):
        message_repository.replace(
            stored.rejected(RejectionReason.USER_NOT_FOUND, stored.created_at)
        )
    assert message_repository.get(FISCAL_CODE, stored.id).status is MessageStatus.PROCESSED


def test_replace_of_a_message_never_read_is_refused(message_repository):
    with pytest.raises(ValueError, match="version"):
        message_repository.replace(a_message(message_id=_new_id()))


def test_find_locates_a_message_by_id_in_any_partition(message_repository):
    stored = message_repository.add(a_message(message_id=_new_id(), fiscal_code=OTHER_FISCAL_CODE))
    found = message_repository.find(stored.id)
    assert (found.id, found.fiscal_code) == (stored.id, OTHER_FISCAL_CODE)
    assert message_repository.find(_new_id()) is None


def test_stale_accepted_lists_only_accepted_messages_untouched_since_the_cutoff(
    message_repository,
):
    accepted = message_repository.add(a_message(message_id=_new_id()))
    decided = message_repository.add(a_message(message_id=_new_id()))
    message_repository.replace(decided.processed(decided.created_at))
    now = datetime.now(UTC)
    later = [m.id for m in message_repository.stale_accepted(now + timedelta(seconds=2), 1000)]
    assert accepted.id in later
    assert decided.id not in later
    earlier = message_repository.stale_accepted(now - timedelta(seconds=60), 1000)
    assert accepted.id not in [m.id for m in earlier]


def test_stale_accepted_honours_its_limit(message_repository):
    for _ in range(3):
        message_repository.add(a_message(message_id=_new_id()))
    assert len(message_repository.stale_accepted(datetime.now(UTC) + timedelta(seconds=2), 2)) == 2


def test_a_rejected_message_with_retention_keeps_it(message_repository):
    stored = message_repository.add(a_message(message_id=_new_id()))
    rejected = stored.rejected(
        RejectionReason.USER_NOT_FOUND, stored.created_at, retention_seconds=60
    )
    message_repository.replace(rejected)
    read = message_repository.get(FISCAL_CODE, stored.id)
    assert read.retention_seconds == 60
    assert [change.status for change in read.status_history] == ["ACCEPTED", "REJECTED"]


def _inbox_of_a_new_citizen(message_repository, statuses):
    """A citizen nobody else writes to, with one message per status, a second apart."""
    fiscal_code = random_fiscal_code()
    start = datetime.now(UTC)
    ids = []
    for offset, status in enumerate(statuses):
        message_id = new_message_id(start + timedelta(seconds=offset))
        message_repository.add(a_message(message_id, fiscal_code=fiscal_code, status=status))
        ids.append(message_id)
    return fiscal_code, ids


def test_inbox_lists_processed_messages_newest_first(message_repository):
    # GIVEN three processed messages, stored oldest last
    fiscal_code = random_fiscal_code()
    start = datetime.now(UTC)
    ids = [new_message_id(start + timedelta(seconds=offset)) for offset in range(3)]
    for message_id in reversed(ids):
        message_repository.add(a_message(message_id, fiscal_code=fiscal_code, status=PROCESSED))
    # WHEN the inbox is listed THEN the newest comes first
    listed = message_repository.inbox(fiscal_code, before_id=None, limit=10)
    assert [message.id for message in listed] == list(reversed(ids))
    assert all(message.version for message in listed)


def test_inbox_leaves_out_messages_that_are_not_processed(message_repository):
    fiscal_code, ids = _inbox_of_a_new_citizen(
        message_repository,
        [PROCESSED, MessageStatus.ACCEPTED, MessageStatus.REJECTED, MessageStatus.FAILED],
    )
    listed = message_repository.inbox(fiscal_code, before_id=None, limit=10)
    assert [message.id for message in listed] == [ids[0]]


def test_inbox_holds_only_that_citizens_messages(message_repository):
    fiscal_code, ids = _inbox_of_a_new_citizen(message_repository, [PROCESSED])
    _inbox_of_a_new_citizen(message_repository, [PROCESSED])  # another citizen's
    assert [m.id for m in message_repository.inbox(fiscal_code, before_id=None, limit=10)] == ids
    assert message_repository.inbox(random_fiscal_code(), before_id=None, limit=10) == []


def test_inbox_pages_below_the_given_id_and_honours_its_limit(message_repository):
    # GIVEN five processed messages
    fiscal_code, ids = _inbox_of_a_new_citizen(message_repository, [PROCESSED] * 5)
    newest_first = list(reversed(ids))
    # WHEN listed two at a time, each page after the last id of the one before
    first = message_repository.inbox(fiscal_code, before_id=None, limit=2)
    second = message_repository.inbox(fiscal_code, before_id=first[-1].id, limit=2)
    third = message_repository.inbox(fiscal_code, before_id=second[-1].id, limit=2)
    # THEN the pages hold every message once, in order, the last one short
    assert [m.id for m in first + second + third] == newest_first
    assert [len(first), len(second), len(third)] == [2, 2, 1]
    assert message_repository.inbox(fiscal_code, before_id=ids[0], limit=2) == []
