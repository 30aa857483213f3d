"""Timer entry point of SweepAcceptedMessages: the relay of both outboxes (accepted
messages, and the events of messages' changes)."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.domain.errors import StorageUnavailableError
from shared.entrypoints.entry_point import entry_point
from shared.observability.log_context import note_status
from shared.observability.metrics import app_metrics
from shared.services.ports import QueueDepth
from shared.services.relay_events import relay_events
from shared.services.sweep_accepted import sweep_accepted

logger = logging.getLogger(__name__)


@entry_point("SweepAcceptedMessages")
def sweep_accepted_messages_entry(timer: func.TimerRequest) -> None:
    app = bootstrap.app()
    report = sweep_accepted(
        messages=app.messages,
        queue=app.queue,
        attachments=app.attachments,
        clock=app.clock,
        grace_seconds=app.settings.accepted_grace_seconds,
        max_redeliveries=app.settings.max_redeliveries,
        outbox=app.event_outbox(),
    )
    relay = relay_events(
        messages=app.messages, queue=app.events, clock=app.clock, timing=app.event_timing
    )
    logger.info(
        "sweep: %d re-sent, %d failed; %d events relayed",
        report.resent,
        report.failed,
        relay.relayed,
    )
    note_status(f"{report.resent} re-sent, {report.failed} failed, {relay.relayed} relayed")
    if app.poison_depth is not None:
        _record_poison_depth(app.poison_depth)


def _record_poison_depth(poison: QueueDepth) -> None:
    """The poison queue's depth, for the gauge: read once a run, by this timer."""
    try:
        app_metrics().poison_queue_depth(poison.approximate_count())
    except StorageUnavailableError:
        logger.warning("poison queue depth not read: the queue is unreachable")
