"""The MessageRepository contract, for the fake and for Cosmos DB."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.errors import AlreadyExistsError, ConcurrentUpdateError
from shared.domain.message import MessageStatus, RejectionReason
from tests.builders import FISCAL_CODE, OTHER_FISCAL_CODE, a_message


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


def test_remove_deletes_the_version_it_read_and_nothing_newer(message_repository):
    stored = message_repository.add(a_message(message_id=_new_id()))
    changed = message_repository.replace(stored.processed(stored.created_at))
    assert message_repository.remove(stored) is False  # stale version: left alone
    assert message_repository.get(FISCAL_CODE, stored.id) is not None
    assert message_repository.remove(changed) is True
    assert message_repository.get(FISCAL_CODE, stored.id) is None
    assert message_repository.remove(changed) is False


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
