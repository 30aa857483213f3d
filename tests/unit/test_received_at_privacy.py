"""A citizen who does not share reading hides from senders when their app fetched a message
(`received_at`) as well as when they read it: the time the app fetches messages tells when
the citizen opens it, their reading habits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.message import FeatureLevel, Message, MessageContent
from shared.domain.message_tracking import ReadStatus, tracking_of
from shared.domain.profile import Profile
from shared.domain.service import Tier
from shared.services.get_message_status import get_message_status
from tests.builders import FISCAL_CODE, MARKDOWN, SUBJECT, a_service
from tests.fakes import FakeMessageRepository, FakePaymentRepository, FakeProfileRepository

PREMIUM = a_service(tier=Tier.PREMIUM)
SENT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
RECEIVED = SENT + timedelta(hours=1)
READ = SENT + timedelta(hours=2)


def _received(*, read: bool = False) -> Message:
    accepted = Message.accepted(
        id="01JCZ0000000000000000000AC",
        fiscal_code=FISCAL_CODE,
        sender_service_id=PREMIUM.id,
        now=SENT,
        time_to_live=3600,
        content=MessageContent(subject=SUBJECT, markdown=MARKDOWN),
        feature_level_type=FeatureLevel.ADVANCED,
    )
    received = accepted.processed(SENT + timedelta(seconds=1)).received(RECEIVED)
    return received.read(READ) if read else received


def _status(profile: Profile | None, message: Message):
    messages, profiles = FakeMessageRepository(), FakeProfileRepository()
    if profile is not None:
        profiles.save(profile)
    stored = messages.add(message)
    report = get_message_status(
        PREMIUM,
        FISCAL_CODE,
        stored.id,
        messages=messages,
        profiles=profiles,
        payments=FakePaymentRepository(),
    )
    assert report.tracking is not None
    return report.tracking


@pytest.mark.parametrize("read", [False, True], ids=["received", "read"])
def test_a_citizen_who_does_not_share_reading_hides_when_the_message_was_received(read):
    tracking = _status(
        Profile(fiscal_code=FISCAL_CODE, share_read_status=False), _received(read=read)
    )
    assert tracking.read_status is ReadStatus.UNAVAILABLE
    assert (tracking.received_at, tracking.read_at) == (None, None)
    # Sending is the sender's own act: it stays visible.
    assert tracking.processed_at == SENT + timedelta(seconds=1)


def test_a_citizen_no_longer_registered_hides_when_the_message_was_received():
    tracking = _status(None, _received())
    assert (tracking.read_status, tracking.received_at) == (ReadStatus.UNAVAILABLE, None)


def test_a_citizen_who_shares_reading_shows_when_it_was_received_and_read():
    tracking = _status(Profile(fiscal_code=FISCAL_CODE), _received(read=True))
    assert tracking.read_status is ReadStatus.READ
    assert (tracking.received_at, tracking.read_at) == (RECEIVED, READ)


def test_tracking_hides_every_reading_time_when_reading_is_not_shared():
    tracking = tracking_of(_received(read=True), shares_read_status=False, notice=None)
    assert (tracking.received_at, tracking.read_at) == (None, None)
