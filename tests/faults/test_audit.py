"""The exactly-once audit's checks, on made-up documents (no stores)."""

from __future__ import annotations

from infra.local.faults.audit import (
    Answer,
    FindingKind,
    QueueState,
    Send,
    StoredMessage,
    audit,
)
from infra.local.faults.markers import find_marker, new_marker
from shared.domain.message import MessageStatus

EMPTY_QUEUES = QueueState(waiting=0, poisoned=0)


def created(marker: str, message_id: str, **fields) -> Send:
    return Send(marker, f"key-{marker}", Answer.CREATED, message_id=message_id, **fields)


def document(message_id: str, marker: str | None, **fields) -> StoredMessage:
    values = {"status": MessageStatus.PROCESSED, "terminal_entries": 1, **fields}
    return StoredMessage(id=message_id, marker=marker, **values)


def test_a_marker_is_found_in_the_text_that_carries_it():
    marker = new_marker()
    assert find_marker(f"Reference {marker}. Nothing else.") == marker
    assert find_marker("no marker here") is None
    assert new_marker() != marker


def test_sends_each_with_its_one_decided_document_are_clean():
    first, second, unanswered = new_marker(), new_marker(), new_marker()
    sends = [
        created(first, "m1"),
        created(second, "m2"),
        Send(unanswered, None, Answer.GAVE_UP, status_code=None),
    ]
    stored = [document("m1", first), document("m2", second), document("m3", unanswered)]

    report = audit(sends, stored, EMPTY_QUEUES)

    assert report.clean, report.format_table()
    assert report.by_status == {"PROCESSED": 3}
    assert report.unanswered_stored == 1
    assert report.answers == {"created": 2, "gave_up": 1}


def test_a_201_without_its_document_is_lost():
    marker = new_marker()

    report = audit([created(marker, "m1")], [], EMPTY_QUEUES)

    assert report.count(FindingKind.LOST) == 1
    assert not report.clean


def test_two_documents_of_one_send_are_a_duplicate_even_when_it_was_never_answered():
    answered, unanswered = new_marker(), new_marker()
    sends = [created(answered, "m1"), Send(unanswered, "k", Answer.GAVE_UP, status_code=503)]
    stored = [
        document("m1", answered),
        document("m2", answered),
        document("m3", unanswered),
        document("m4", unanswered),
    ]

    report = audit(sends, stored, EMPTY_QUEUES)

    assert report.count(FindingKind.DUPLICATE) == 2
    assert not report.clean


def test_a_201_pointing_at_another_sends_document_is_wrong():
    mine, theirs = new_marker(), new_marker()
    sends = [created(mine, "m2"), created(theirs, "m2")]

    report = audit(sends, [document("m2", theirs)], EMPTY_QUEUES)

    assert report.count(FindingKind.WRONG_DOCUMENT) == 1
    assert report.count(FindingKind.DUPLICATE) == 0
    assert not report.clean


def test_an_accepted_document_is_stuck_and_a_double_decision_is_a_bad_history():
    stuck, twice = new_marker(), new_marker()
    sends = [created(stuck, "m1"), created(twice, "m2")]
    stored = [
        document("m1", stuck, status=MessageStatus.ACCEPTED, terminal_entries=0),
        document("m2", twice, terminal_entries=2),
    ]

    report = audit(sends, stored, EMPTY_QUEUES)

    assert report.count(FindingKind.STUCK) == 1
    assert report.count(FindingKind.HISTORY) == 1
    assert not report.clean


def test_surprises_that_lose_and_duplicate_nothing_are_reported_without_failing():
    failed, changed = new_marker(), new_marker()
    sends = [
        created(failed, "m1", expected_status=MessageStatus.PROCESSED),
        created(changed, "m2", maybe_id="m-other"),
    ]
    stored = [
        document("m1", failed, status=MessageStatus.FAILED, reason="RETRIES_EXHAUSTED"),
        document("m2", changed),
        document("m3", None),
    ]

    report = audit(sends, stored, EMPTY_QUEUES)

    assert report.count(FindingKind.UNEXPECTED_STATUS) == 1
    assert report.count(FindingKind.CHANGED_ID) == 1
    assert report.count(FindingKind.UNMATCHED) == 1
    assert report.by_reason == {"RETRIES_EXHAUSTED": 1}
    assert report.clean, report.format_table()


def test_a_delivered_message_whose_attachment_blob_is_missing_fails_the_audit():
    marker = new_marker()
    stored = [document("m1", marker, attachment_blobs=("m1/0", "m1/1"))]
    report = audit([created(marker, "m1")], stored, EMPTY_QUEUES, frozenset({"m1/0"}))
    assert report.count(FindingKind.MISSING_ATTACHMENT) == 1
    assert not report.clean


def test_a_refused_message_whose_blobs_remain_is_reported_but_does_not_fail():
    marker = new_marker()
    stored = [
        document("m1", marker, status=MessageStatus.REJECTED, attachment_blobs=("m1/0",)),
    ]
    report = audit([created(marker, "m1")], stored, EMPTY_QUEUES, frozenset({"m1/0"}))
    assert report.count(FindingKind.LEFTOVER_ATTACHMENT) == 1
    assert report.clean


def test_attachments_all_stored_are_clean():
    marker = new_marker()
    stored = [document("m1", marker, attachment_blobs=("m1/0",))]
    report = audit([created(marker, "m1")], stored, EMPTY_QUEUES, frozenset({"m1/0"}))
    assert report.count(FindingKind.MISSING_ATTACHMENT) == 0
    assert report.clean
