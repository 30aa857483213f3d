"""ProcessMessage's writes when storage fails: a Premium message decided PROCESSED is on the
reminder schedule whatever happens after its decision, and a message marked FAILED whose
reply was lost still loses its attachments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.attachments import StoredAttachment
from shared.domain.errors import OutcomeUnknownError, StorageUnavailableError
from shared.domain.message import FailureReason, FeatureLevel, Message, MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.profile import Profile
from shared.domain.reminders import ReminderPolicy
from shared.services.process_message import fail_message, process_message
from shared.services.send_reminders import ReminderPlanner
from tests.builders import FISCAL_CODE, a_message
from tests.fakes import (
    FakeAttachmentStore,
    FakeClock,
    FakeMessageRepository,
    FakeProfileRepository,
    FakeReminderSchedule,
)
from tests.port_faults import CRASH, LOST, REFUSED, FaultyPort, SimulatedCrashError

RETENTION = 3600


class Pipeline:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.messages = FakeMessageRepository(self.clock)
        self.profiles = FakeProfileRepository()
        self.profiles.save(Profile(fiscal_code=FISCAL_CODE))
        self.attachments = FakeAttachmentStore()
        self.schedule = FakeReminderSchedule()

    def premium_message(self) -> Message:
        accepted = a_message().model_copy(update={"feature_level_type": FeatureLevel.ADVANCED})
        return self.messages.add(accepted)

    def process(self, message: Message, *, messages=None, schedule=None) -> MessageStatus | None:
        planner = ReminderPlanner(schedule=schedule or self.schedule, policy=ReminderPolicy())
        return process_message(
            _ref(message),
            messages=messages or self.messages,
            profiles=self.profiles,
            attachments=self.attachments,
            clock=self.clock,
            rejected_retention_seconds=RETENTION,
            reminders=planner,
        )

    def fail(self, message: Message, *, messages=None) -> MessageStatus | None:
        """What ProcessMessage's entry point does on the queue's last attempt."""
        return fail_message(
            _ref(message),
            FailureReason.RETRIES_EXHAUSTED,
            messages=messages or self.messages,
            attachments=self.attachments,
            clock=self.clock,
        )

    def status(self, message: Message) -> MessageStatus:
        stored = self.messages.get(FISCAL_CODE, message.id)
        assert stored is not None
        return stored.status


def _ref(message: Message) -> MessageRef:
    return MessageRef(message_id=message.id, fiscal_code=message.fiscal_code)


@pytest.fixture
def pipeline() -> Pipeline:
    return Pipeline()


def test_a_premium_message_decided_on_the_last_attempt_with_its_reply_lost_is_still_scheduled(
    pipeline,
):
    # GIVEN the queue's last attempt, whose PROCESSED decision lands but its reply is lost
    message = pipeline.premium_message()
    losing = FaultyPort(pipeline.messages, "replace", [LOST])
    with pytest.raises(OutcomeUnknownError):
        pipeline.process(message, messages=losing)
    # WHEN the entry point gives up on it, as it does on the last attempt
    final = pipeline.fail(message)
    # THEN the message stays PROCESSED and is on the reminder schedule for day 3
    assert final is MessageStatus.PROCESSED
    (entry,) = pipeline.schedule.all_entries_of(message.id)
    assert entry.at == pipeline.clock.now() + timedelta(days=3)


def test_a_premium_message_whose_process_dies_after_its_decision_is_still_scheduled(pipeline):
    # GIVEN a process that dies right after storing the PROCESSED decision
    message = pipeline.premium_message()
    dying = FaultyPort(pipeline.messages, "replace", [CRASH])
    with pytest.raises(SimulatedCrashError):
        pipeline.process(message, messages=dying)
    # THEN the message is PROCESSED and already on the schedule: nothing was left to do
    assert pipeline.status(message) is MessageStatus.PROCESSED
    assert len(pipeline.schedule.all_entries_of(message.id)) == 1


def test_a_premium_message_whose_schedule_cannot_be_written_stays_undecided(pipeline):
    # GIVEN a schedule that cannot be written once
    message = pipeline.premium_message()
    refusing = FaultyPort(pipeline.schedule, "add", [REFUSED])
    # WHEN the message is processed
    with pytest.raises(StorageUnavailableError):
        pipeline.process(message, schedule=refusing)
    # THEN it is still ACCEPTED (the queue's retry decides it), and the retry schedules it
    assert pipeline.status(message) is MessageStatus.ACCEPTED
    assert pipeline.process(message) is MessageStatus.PROCESSED
    assert len(pipeline.schedule.all_entries_of(message.id)) == 1


def test_a_message_marked_failed_with_its_reply_lost_still_loses_its_attachments(pipeline):
    # GIVEN an undecided message with an attachment, on the queue's last attempt
    stored = pipeline.messages.add(a_message())
    pipeline.attachments.put(f"{stored.id}/0", "JVBERi0=")
    attachment = StoredAttachment(
        id="0",
        name="bill.pdf",
        content_type="application/pdf",
        size=5,
        sha256="ab" * 32,
        blob_name=f"{stored.id}/0",
    )
    message = pipeline.messages.replace(stored.model_copy(update={"attachments": (attachment,)}))
    # WHEN its FAILED mark lands but the reply is lost
    final = pipeline.fail(message, messages=FaultyPort(pipeline.messages, "replace", [LOST]))
    # THEN it is FAILED, and its attachment is deleted as for any FAILED message
    assert final is MessageStatus.FAILED
    assert pipeline.status(message) is MessageStatus.FAILED
    assert pipeline.attachments.blobs == {}
