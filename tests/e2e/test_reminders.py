"""ReminderTimer through the offline host: `POST /admin/functions/ReminderTimer` fires a
run, which queues its partitions for ReminderPartition; a Premium message unread for three
days gets its one reminder push, on the local push queue, with no personal data in it."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from shared.adapters.push_queue import queue_push_sender
from shared.adapters.queues import queue_client
from shared.bootstrap import build_app
from shared.domain.message import FeatureLevel, Message, MessageContent
from shared.domain.message_id import new_message_id
from shared.domain.profile import Profile, ReminderConsent
from shared.domain.push import Push, ReminderKind
from shared.domain.reminders import ReminderPolicy
from shared.domain.service import Tier
from shared.domain.service_messages import ServiceMessageFilter
from shared.services.send_reminders import ReminderPlanner
from shared.storage_layout import QueueName
from tests.builders import MARKDOWN, SUBJECT, a_service, random_fiscal_code

WAIT_SECONDS = 20.0


def _fire(offline_host, local_stack) -> None:
    """One whole reminder run: the timer's, then its partitions' (the partitions queue is
    empty: each work item was done and deleted). What it sent is on the queue then."""
    offline_host.run_function_to_end("ReminderTimer", {}, timeout=WAIT_SECONDS)
    partitions = queue_client(local_stack.settings.storage, QueueName.REMINDER_PARTITIONS)
    deadline = time.monotonic() + WAIT_SECONDS
    while partitions.get_queue_properties().approximate_message_count:
        assert time.monotonic() < deadline, offline_host.log.read_text()[-3000:]
        time.sleep(0.1)


def _pushes_for(queue, message_id: str) -> list[Push]:
    return [push for push in queue.peek(32) if push.message_id == message_id]


def test_a_reminder_run_fired_through_the_host_pushes_once(offline_host, local_stack):
    # GIVEN a consenting citizen whose Premium message was delivered three days ago, unread
    app = build_app(local_stack.settings)
    service = a_service(f"svc-{uuid.uuid4().hex[:8]}", tier=Tier.PREMIUM)
    app.services.add(service)
    fiscal_code = random_fiscal_code()
    app.profiles.save(
        Profile(
            fiscal_code=fiscal_code,
            reminders=ReminderConsent.ENABLED,
            preferred_languages=("en_GB",),
        )
    )
    delivered_at = app.clock.now() - timedelta(days=3, minutes=1)
    accepted = Message.accepted(
        id=new_message_id(delivered_at),
        fiscal_code=fiscal_code,
        sender_service_id=service.id,
        now=delivered_at,
        time_to_live=3600,
        content=MessageContent(subject=SUBJECT, markdown=MARKDOWN),
        feature_level_type=FeatureLevel.ADVANCED,
    )
    message = app.messages.add(accepted.processed(delivered_at))
    ReminderPlanner(schedule=app.schedule, policy=ReminderPolicy()).plan(message)
    # The push queue starts empty, so what is peeked is this test's.
    queue_client(local_stack.settings.storage, app.settings.push_queue).clear_messages()
    queue = queue_push_sender(local_stack.settings.storage, app.settings.push_queue)

    # WHEN the operator fires ReminderTimer through the host's admin API
    _fire(offline_host, local_stack)

    # THEN one push for that message is on the local push queue once the run ended
    pushes = _pushes_for(queue, message.id)
    assert len(pushes) == 1, offline_host.log.read_text()[-3000:]
    (push,) = pushes
    assert (push.kind, push.language, push.body) == (
        ReminderKind.UNREAD,
        "en",
        "You have an unread message",
    )
    assert fiscal_code not in push.tag
    assert SUBJECT not in push.body

    # AND firing it again sends nothing more for it
    _fire(offline_host, local_stack)
    assert len(_pushes_for(queue, message.id)) == 1
    # AND operators' counts have it once, on the message and in its service's index
    counted = app.messages.get(fiscal_code, message.id)
    assert counted is not None
    assert counted.pushes_sent == 1
    assert app.message_index is not None
    (entry,) = app.message_index.page(ServiceMessageFilter(service.id), 10)
    assert entry.pushes == 1
